"""Personal accounts and payroll files over HTTP."""

import uuid
from pathlib import Path

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from enrollment.models import Person
from jobs.api import JobOutputSerializer
from jobs.services import job_create
from staff.errors import DomainError, NotFound
from staff.inputs import ApiDateField, ApiDecimalField, ApiIntegerField
from staff.parsers import MultiPartParser
from staff.permissions import has_role
from staff.roles import CLERK, MANAGER
from staff.uploads import ApiUploadField, SpreadsheetRefused, check_spreadsheet_directory

from .models import LedgerEntry
from .selectors import account_entries, account_for


class LedgerEntryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "amount",
            "balance_after",
            "period",
            "reference",
            "memo",
            "created_at",
        ]


class AccountApi(APIView):
    """``GET /api/v1/persons/{id}/account/`` → ``{balance, entries}``; ``from``/``to`` filter
    the entries by booking date."""

    class FilterSerializer(serializers.Serializer):
        date_from = ApiDateField(required=False)
        date_to = ApiDateField(required=False)

        def validate_date_from(self, value):
            # As the statement page: what has not happened cannot be listed.
            if value > timezone.localdate():
                raise serializers.ValidationError(
                    _("%(field)s: %(value)s is after today.") % {"field": "from", "value": value}
                )
            return value

    def get_permissions(self):
        # Not institutions: the ledger names other institutions and relatives. An institution
        # reads its patient's balance through the person lookup (claims.api.PersonLookupApi).
        return [IsAuthenticated(), has_role(CLERK, MANAGER)()]

    @extend_schema(
        parameters=[OpenApiParameter("from", str), OpenApiParameter("to", str)],
        responses=inline_serializer(
            "AccountOutput",
            {
                "person": ApiIntegerField(),
                "balance": ApiDecimalField(max_digits=14, decimal_places=2),
                "entries": LedgerEntryOutputSerializer(many=True),
            },
        ),
        tags=["accounts"],
    )
    def get(self, request, person_id: int):
        person = get_object_or_404(Person, pk=person_id)
        filters = self.FilterSerializer(
            data={
                k: v
                for k, v in {
                    "date_from": request.query_params.get("from"),
                    "date_to": request.query_params.get("to"),
                }.items()
                if v
            }
        )
        filters.is_valid(raise_exception=True)
        account = account_for(person=person)
        if account is None:
            raise NotFound(
                f"{person.name} has no personal account (scheme, employment or "
                "region policy gives none)."
            )
        entries = account_entries(account=account, **filters.validated_data)
        return Response(
            {
                "person": person.pk,
                "balance": f"{account.balance:.2f}",
                "entries": LedgerEntryOutputSerializer(entries, many=True).data,
            }
        )


def refuse_unopenable(path: Path) -> None:
    """A workbook that would unpack beyond the limits is refused at the upload (the zip's
    directory only; the job reads the cells within the limits too)."""
    if path.suffix == ".xlsx":
        try:
            check_spreadsheet_directory(path)
        except SpreadsheetRefused as exc:
            if exc.unreadable:
                return  # the job says so, with the other problems of the file
            path.unlink(missing_ok=True)
            raise DomainError(exc.message, field="file") from None


def store_upload(upload, folder: str) -> Path:
    directory = Path(settings.MEDIA_ROOT) / folder
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()[:5]}"
    with path.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


class PayrollImportApi(APIView):
    """Upload an employer's payroll file (multipart ``file``, CSV or XLSX with columns
    ``id_number,name,employer_code,period,contribution_base``); it is checked and credited by a
    background job, whole or not at all."""

    parser_classes = [MultiPartParser]

    def get_permissions(self):
        return [IsAuthenticated(), has_role(CLERK, MANAGER)()]

    class InputSerializer(serializers.Serializer):
        file = ApiUploadField()

    @extend_schema(request=InputSerializer, responses={201: JobOutputSerializer}, tags=["accounts"])
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        path = store_upload(upload, "payroll")
        refuse_unopenable(path)
        job = job_create(
            kind="payroll_import",
            parameters={"path": str(path), "filename": upload.name},
            created_by=request.user,
        )
        job.refresh_from_db()
        data = JobOutputSerializer(job).data
        return Response({"job": job.pk, **data}, status=status.HTTP_201_CREATED)
