"""``POST /api/v1/jobs/``, ``GET /api/v1/jobs/``, ``GET /api/v1/jobs/{id}/``."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from staff.api_utils import AsciiPageNumberPagination, page_of
from staff.permissions import has_role

from .models import Job
from .registry import all_kinds
from .selectors import job_list, job_live
from .services import job_create


class JobOutputSerializer(serializers.ModelSerializer):
    # Without the server's file paths (Job.public_parameters).
    parameters = serializers.DictField(source="public_parameters", read_only=True)
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    # A kind that goes over its items more than once (payroll_import: check, then credit;
    # catalogue_import: check, then apply) counts each pass from 0: progress and total are
    # the running pass's. Empty when the job is not running or has a single pass.
    stage = serializers.CharField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "total",
            "stage",
            "errors",
            "parameters",
            "result",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]


class JobCreateApi(APIView):
    """Start a background job. The body is ``{kind, ...parameters}``, e.g.
    ``{"kind": "monthly_crediting", "period": "2026-11"}`` or
    ``{"kind": "year_end", "year": 2025}``."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.CharField(max_length=64)

    def get_permissions(self):
        if self.request.method == "POST":
            # Who may start some kind of job (each kind checks its own roles again).
            starters = sorted({role for kind in all_kinds() for role in kind.roles})
            return [IsAuthenticated(), has_role(*starters)()]
        return super().get_permissions()

    @extend_schema(
        request=InputSerializer,
        responses={201: JobOutputSerializer},
        tags=["jobs"],
        operation_id="jobs_create",
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parameters = {k: v for k, v in request.data.items() if k != "kind"}
        job = job_create(
            kind=serializer.validated_data["kind"], parameters=parameters, created_by=request.user
        )
        job.refresh_from_db()
        return Response(JobOutputSerializer(job_live(job)).data, status=status.HTTP_201_CREATED)

    class FilterSerializer(serializers.Serializer):
        kind = serializers.CharField(required=False)
        status = serializers.ChoiceField(choices=Job.Status.choices, required=False)

        def validate_kind(self, value):
            # An unknown kind is a 400 like an unknown status, not an empty list.
            kinds = [k.kind for k in all_kinds()]
            if value not in kinds:
                raise serializers.ValidationError(
                    serializers.ChoiceField(choices=kinds)
                    .error_messages["invalid_choice"]
                    .format(input=value),
                    code="invalid_choice",
                )
            return value

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str),
            OpenApiParameter("status", str, enum=Job.Status.values),
        ],
        responses=page_of(JobOutputSerializer),
        tags=["jobs"],
        operation_id="jobs_list",
    )
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = job_list(user=request.user).filter(**filters.validated_data)
        paginator = AsciiPageNumberPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(JobOutputSerializer(page, many=True).data)


class JobDetailApi(APIView):
    @extend_schema(responses=JobOutputSerializer, tags=["jobs"], operation_id="jobs_retrieve")
    def get(self, request, job_id: int):
        job = get_object_or_404(job_list(user=request.user), pk=job_id)
        return Response(JobOutputSerializer(job_live(job)).data)
