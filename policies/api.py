"""Regions and policies over HTTP (DESIGN.md, HTTP API v1)."""

from datetime import date

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from staff.inputs import ApiDateField
from staff.permissions import has_role
from staff.roles import POLICY_ADMIN

from .models import PolicyVersion, Region
from .schema import POLICY_DOCUMENT_SCHEMA
from .selectors import policy_for, policy_versions, region_get, region_list
from .services import policy_version_publish


class RegionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_en"]


class PolicyVersionOutputSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = PolicyVersion
        fields = ["id", "region", "effective_from", "effective_to", "source", "document"]


class RegionListApi(APIView):
    @extend_schema(responses=RegionOutputSerializer(many=True), tags=["policies"])
    def get(self, request):
        return Response(RegionOutputSerializer(region_list(), many=True).data)


class PolicyInForceApi(APIView):
    class FilterSerializer(serializers.Serializer):
        on = ApiDateField(required=False)

    @extend_schema(
        parameters=[OpenApiParameter("on", date, description="Day (YYYY-MM-DD); default today")],
        responses=PolicyVersionOutputSerializer,
        tags=["policies"],
    )
    def get(self, request, code: str):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        on = filters.validated_data.get("on") or timezone.localdate()
        version = policy_for(region=region_get(code=code), on_date=on)
        return Response(PolicyVersionOutputSerializer(version).data)


class PolicyVersionsApi(APIView):
    """``GET``: the region's versions, newest first. ``POST`` (policy administrators): publish a
    new version; the open version is closed the day before it starts."""

    class InputSerializer(serializers.Serializer):
        effective_from = ApiDateField()
        effective_to = ApiDateField(required=False, allow_null=True)
        source = serializers.CharField(max_length=2000)
        document = serializers.JSONField()

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), has_role(POLICY_ADMIN)()]
        return [IsAuthenticated()]

    @extend_schema(responses=PolicyVersionOutputSerializer(many=True), tags=["policies"])
    def get(self, request, code: str):
        versions = policy_versions(region=region_get(code=code)).select_related("region")
        return Response(PolicyVersionOutputSerializer(versions, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: PolicyVersionOutputSerializer},
        tags=["policies"],
    )
    def post(self, request, code: str):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = policy_version_publish(
            region=region_get(code=code), created_by=request.user, **serializer.validated_data
        )
        return Response(PolicyVersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class PolicySchemaApi(APIView):
    permission_classes: list = []
    authentication_classes: list = []

    @extend_schema(responses={200: dict}, tags=["policies"])
    def get(self, request):
        return Response(POLICY_DOCUMENT_SCHEMA)
