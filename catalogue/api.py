"""The catalogue over HTTP: search (``GET /api/v1/catalogue/?q=``) and the import."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api import refuse_unopenable, store_upload
from jobs.api import JobOutputSerializer
from jobs.services import job_create
from staff.api_utils import page_of, paginated
from staff.parsers import MultiPartParser
from staff.permissions import has_role
from staff.roles import AUDITOR, CLERK, INSTITUTION, MANAGER, POLICY_ADMIN
from staff.uploads import ApiUploadField

from .jobs import UPLOADS
from .models import CatalogueItem, Kind, Level
from .selectors import catalogue_search


class CatalogueItemOutputSerializer(serializers.ModelSerializer):
    med_chrgitm_type_name = serializers.CharField(source="charge_type_label")

    class Meta:
        model = CatalogueItem
        fields = [
            "code", "name", "initials", "kind", "chrgitm_lv", "med_chrgitm_type",
            "med_chrgitm_type_name", "price_ceiling", "selfpay_prop", "valid_from", "valid_to",
        ]  # fmt: skip


class CatalogueListApi(APIView):
    """``GET /api/v1/catalogue/?q=&kind=&chrgitm_lv=``: by code (prefix), name (contains) or
    the name's pinyin initials (prefix)."""

    def get_permissions(self):
        return [
            IsAuthenticated(),
            has_role(CLERK, MANAGER, AUDITOR, POLICY_ADMIN, INSTITUTION)(),
        ]

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        kind = serializers.ChoiceField(choices=Kind.choices, required=False, default="")
        chrgitm_lv = serializers.ChoiceField(choices=Level.choices, required=False, default="")

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="code, name or pinyin initials (e.g. amxl)"),
            OpenApiParameter("kind", str, enum=[k.value for k in Kind]),
            OpenApiParameter("chrgitm_lv", str, enum=[v.value for v in Level]),
        ],
        responses=page_of(CatalogueItemOutputSerializer),
        tags=["catalogue"],
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        qs = catalogue_search(q=data["q"], kind=data["kind"], level=data["chrgitm_lv"])
        return paginated(request, self, qs, CatalogueItemOutputSerializer)


class CatalogueImportApi(APIView):
    """Upload the catalogue (multipart ``file``, CSV or XLSX, columns ``code,name,kind,
    chrgitm_lv,med_chrgitm_type,price_ceiling,selfpay_prop,valid_from,valid_to`` and optionally
    ``region`` for a region's override; ``dry_run=true`` checks and reports without applying).
    A background job applies it whole or not at all."""

    parser_classes = [MultiPartParser]

    def get_permissions(self):
        return [IsAuthenticated(), has_role(CLERK, MANAGER)()]

    class InputSerializer(serializers.Serializer):
        file = ApiUploadField()  # refuses a file above UPLOAD_MAX_BYTES, naming the limit
        dry_run = serializers.BooleanField(default=False)

    @extend_schema(
        request=InputSerializer, responses={201: JobOutputSerializer}, tags=["catalogue"]
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        path = store_upload(upload, UPLOADS)
        refuse_unopenable(path)  # a workbook that unpacks beyond the limit: 400 at once
        job = job_create(
            kind="catalogue_import",
            parameters={
                "path": str(path),
                "filename": upload.name,
                "dry_run": serializer.validated_data["dry_run"],
            },
            created_by=request.user,
        )
        job.refresh_from_db()
        data = JobOutputSerializer(job).data
        return Response({"job": job.pk, **data}, status=status.HTTP_201_CREATED)
