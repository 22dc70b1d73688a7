"""Regions and policies over HTTP (DESIGN.md, HTTP API v1)."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from staff.api import ReviewOutputSerializer, review_response
from staff.inputs import ApiDateField
from staff.parsers import plain_json
from staff.permissions import has_role
from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN

from .models import PolicyDraft, PolicyVersion, Region
from .reviews import draft_publication_request, publication_needs_review, publication_request
from .schema import POLICY_DOCUMENT_SCHEMA
from .selectors import effective_policy, policy_drafts, policy_versions, region_get, region_list
from .services import (
    draft_create,
    draft_delete,
    draft_publish,
    policy_version_publish,
    region_create,
)


class RegionOutputSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", default=None, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "parent"]


def _admin_writes(view):
    if view.request.method not in ("GET", "HEAD", "OPTIONS"):
        return [IsAuthenticated(), has_role(POLICY_ADMIN)()]
    return [IsAuthenticated()]


def _bureau_reads_admin_writes(view):
    """Drafts are the bureau's work in progress: read by its staff, never by institutions."""
    if view.request.method not in ("GET", "HEAD", "OPTIONS"):
        return [IsAuthenticated(), has_role(POLICY_ADMIN)()]
    return [IsAuthenticated(), has_role(CLERK, MANAGER, AUDITOR, POLICY_ADMIN)()]


class PolicyVersionOutputSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = PolicyVersion
        fields = ["id", "region", "effective_from", "effective_to", "source", "document", "kind"]


class PolicyDraftOutputSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = PolicyDraft
        fields = ["id", "region", "effective_from", "effective_to", "source", "document"]


class DocumentField(serializers.JSONField):
    """The document as sent, its JSON numbers with a fraction (``Decimal`` from the parser) as
    their exact text: a ratio sent as the number ``0.85`` is the schema's ``"0.85"``, never a
    float's ``0.8499999…``; a number the schema does not take as text is refused naming its
    path, as before."""

    def to_internal_value(self, data):
        return super().to_internal_value(plain_json(data))


class VersionInputSerializer(serializers.Serializer):
    effective_from = ApiDateField()
    effective_to = ApiDateField(required=False, allow_null=True)
    source = serializers.CharField(max_length=2000)
    document = DocumentField()


class RegionListApi(APIView):
    """``GET``: every region with its parent. ``POST`` (policy administrators): create one,
    e.g. a pooling area under its provincial framework."""

    class InputSerializer(serializers.Serializer):
        code = serializers.CharField(max_length=6)
        name = serializers.CharField(max_length=64)
        name_en = serializers.CharField(max_length=64, required=False, allow_blank=True)
        parent = serializers.CharField(max_length=6, required=False, allow_null=True)

    def get_permissions(self):
        return _admin_writes(self)

    @extend_schema(responses=RegionOutputSerializer(many=True), tags=["policies"])
    def get(self, request):
        return Response(RegionOutputSerializer(region_list(), many=True).data)

    @extend_schema(
        request=InputSerializer, responses={201: RegionOutputSerializer}, tags=["policies"]
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parent = data.get("parent")
        region = region_create(
            code=data["code"],
            name=data["name"],
            name_en=data.get("name_en", ""),
            parent=region_get(code=parent) if parent else None,
        )
        return Response(RegionOutputSerializer(region).data, status=status.HTTP_201_CREATED)


class PolicyInForceApi(APIView):
    class FilterSerializer(serializers.Serializer):
        on = ApiDateField(required=False)

    @extend_schema(
        parameters=[OpenApiParameter("on", date, description="Day (YYYY-MM-DD); default today")],
        responses=PolicyVersionOutputSerializer,
        tags=["policies"],
    )
    def get(self, request, code: str):
        """The effective policy: the region's ancestors' versions in force overlaid by its own;
        ``inherited`` names, for every value that came from an ancestor, the ancestor."""
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        on = filters.validated_data.get("on") or timezone.localdate()
        region = region_get(code=code)
        policy = effective_policy(region=region, on_date=on)
        body = PolicyVersionOutputSerializer(policy.version).data
        body["region"] = region.code
        body["document"] = policy.document
        body["inherited"] = policy.inherited
        return Response(body)


class PolicyVersionsApi(APIView):
    """``GET``: the region's versions, newest first. ``POST`` (policy administrators): publish a
    new version; the open version is closed the day before it starts."""

    InputSerializer = VersionInputSerializer

    def get_permissions(self):
        return _admin_writes(self)

    @extend_schema(responses=PolicyVersionOutputSerializer(many=True), tags=["policies"])
    def get(self, request, code: str):
        versions = policy_versions(region=region_get(code=code)).select_related("region")
        return Response(PolicyVersionOutputSerializer(versions, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: PolicyVersionOutputSerializer, 202: ReviewOutputSerializer},
        tags=["policies"],
    )
    def post(self, request, code: str):
        """While ``REVIEW_POLICY_PUBLICATION`` is on: checked, then 202 with the pending
        review; another policy administrator's approval publishes it."""
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if publication_needs_review():
            return review_response(
                publication_request(
                    region=region_get(code=code), actor=request.user, **serializer.validated_data
                )
            )
        version = policy_version_publish(
            region=region_get(code=code), created_by=request.user, **serializer.validated_data
        )
        return Response(PolicyVersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


def _draft(code: str, draft_id: int) -> PolicyDraft:
    from staff.errors import NotFound

    draft = policy_drafts(region=region_get(code=code)).filter(pk=draft_id).first()
    if draft is None:
        raise NotFound(_("No such draft."))
    return draft


class PolicyDraftsApi(APIView):
    """``GET``: the region's drafts. ``POST`` (policy administrators): store a draft, a version
    never in force and never used by settlement."""

    def get_permissions(self):
        return _bureau_reads_admin_writes(self)

    @extend_schema(responses=PolicyDraftOutputSerializer(many=True), tags=["policies"])
    def get(self, request, code: str):
        drafts = policy_drafts(region=region_get(code=code)).select_related("region")
        return Response(PolicyDraftOutputSerializer(drafts, many=True).data)

    @extend_schema(
        request=VersionInputSerializer,
        responses={201: PolicyDraftOutputSerializer},
        tags=["policies"],
    )
    def post(self, request, code: str):
        serializer = VersionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        draft = draft_create(
            region=region_get(code=code), created_by=request.user, **serializer.validated_data
        )
        return Response(PolicyDraftOutputSerializer(draft).data, status=status.HTTP_201_CREATED)


class PolicyDraftApi(APIView):
    """``GET`` a draft; ``DELETE`` it (policy administrators)."""

    def get_permissions(self):
        return _bureau_reads_admin_writes(self)

    @extend_schema(responses=PolicyDraftOutputSerializer, tags=["policies"])
    def get(self, request, code: str, draft_id: int):
        return Response(PolicyDraftOutputSerializer(_draft(code, draft_id)).data)

    @extend_schema(responses={204: None}, tags=["policies"])
    def delete(self, request, code: str, draft_id: int):
        draft_delete(draft=_draft(code, draft_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PolicyDraftPublishApi(APIView):
    """``POST`` (policy administrators): publish the draft, with every check of publishing."""

    permission_classes = [IsAuthenticated, has_role(POLICY_ADMIN)]

    @extend_schema(
        request=None,
        responses={201: PolicyVersionOutputSerializer, 202: ReviewOutputSerializer},
        tags=["policies"],
    )
    def post(self, request, code: str, draft_id: int):
        if publication_needs_review():
            return review_response(
                draft_publication_request(draft=_draft(code, draft_id), actor=request.user)
            )
        version = draft_publish(draft=_draft(code, draft_id), created_by=request.user)
        return Response(PolicyVersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class PolicySchemaApi(APIView):
    permission_classes: list = []
    authentication_classes: list = []

    @extend_schema(responses={200: dict}, tags=["policies"])
    def get(self, request):
        return Response(POLICY_DOCUMENT_SCHEMA)
