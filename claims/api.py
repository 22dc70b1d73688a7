"""Chronic/special certifications over HTTP (settlement endpoints come with the service)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from enrollment.models import Person
from staff.api_utils import filtered, paginated
from staff.permissions import has_role
from staff.roles import CLERK, INSTITUTION, MANAGER, POLICY_ADMIN

from .filters import CertificationFilter
from .models import ChronicCertification
from .selectors import certification_list
from .services import (
    certification_apply,
    certification_approve,
    certification_reject,
    certification_revoke,
)


class ClerkWrites(APIView):
    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAuthenticated(), has_role(CLERK, MANAGER, POLICY_ADMIN, INSTITUTION)()]
        return [IsAuthenticated(), has_role(CLERK)()]


class CertificationOutputSerializer(serializers.ModelSerializer):
    disease_code = serializers.CharField(source="disease.code")
    disease_name = serializers.CharField(source="disease.name")
    kind = serializers.CharField(source="disease.kind")
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ChronicCertification
        fields = [
            "id",
            "person",
            "disease_code",
            "disease_name",
            "kind",
            "valid_from",
            "valid_to",
            "status",
            "reason",
            "decided_by",
            "decided_at",
            "created_at",
        ]


class CertificationListCreateApi(ClerkWrites):
    class InputSerializer(serializers.Serializer):
        person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
        disease_code = serializers.CharField(max_length=16)
        valid_from = serializers.DateField()
        valid_to = serializers.DateField(required=False, allow_null=True)

    @extend_schema(responses=CertificationOutputSerializer(many=True), tags=["claims"])
    def get(self, request):
        qs = filtered(CertificationFilter, request, certification_list())
        return paginated(request, self, qs, CertificationOutputSerializer)

    @extend_schema(
        request=InputSerializer, responses={201: CertificationOutputSerializer}, tags=["claims"]
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certification = certification_apply(**serializer.validated_data, actor=request.user)
        return Response(
            CertificationOutputSerializer(certification).data, status=status.HTTP_201_CREATED
        )


class CertificationApproveApi(ClerkWrites):
    @extend_schema(request=None, responses=CertificationOutputSerializer, tags=["claims"])
    def post(self, request, certification_id: int):
        certification = get_object_or_404(ChronicCertification, pk=certification_id)
        return Response(
            CertificationOutputSerializer(
                certification_approve(certification=certification, actor=request.user)
            ).data
        )


class CertificationRejectApi(ClerkWrites):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(
        request=InputSerializer, responses=CertificationOutputSerializer, tags=["claims"]
    )
    def post(self, request, certification_id: int):
        certification = get_object_or_404(ChronicCertification, pk=certification_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            CertificationOutputSerializer(
                certification_reject(
                    certification=certification, actor=request.user, **serializer.validated_data
                )
            ).data
        )


class CertificationRevokeApi(CertificationRejectApi):
    @extend_schema(
        request=CertificationRejectApi.InputSerializer,
        responses=CertificationOutputSerializer,
        tags=["claims"],
    )
    def post(self, request, certification_id: int):
        certification = get_object_or_404(ChronicCertification, pk=certification_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            CertificationOutputSerializer(
                certification_revoke(
                    certification=certification, actor=request.user, **serializer.validated_data
                )
            ).data
        )
