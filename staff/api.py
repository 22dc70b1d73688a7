"""Authentication endpoint: ``POST /api/v1/auth/token/ {username, password} → {token}``; the
two-person review's endpoints (``/api/v1/reviews/``, see ``staff.reviews``)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework import status as http
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .api_utils import page_of, paginated
from .models import ReviewRequest
from .parsers import JSONParser, MultiPartParser
from .permissions import has_role
from .reviews import review_approve, review_reject, review_withdraw, reviews_visible_to
from .roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN


class TokenObtainApi(ObtainAuthToken):
    permission_classes = [AllowAny]
    # ObtainAuthToken names DRF's JSONParser itself; ours refuses a body nested too deep.
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="Obtain an API token",
        request=inline_serializer(
            "TokenObtainInput",
            {"username": serializers.CharField(), "password": serializers.CharField()},
        ),
        responses=inline_serializer("TokenObtainOutput", {"token": serializers.CharField()}),
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def get_serializer_context(self):
        # django-axes marks a locked-out attempt on the request it is given; its middleware
        # reads the mark on Django's request, not on DRF's wrapper around it.
        return {**super().get_serializer_context(), "request": self.request._request}


# --- Two-person review (经办/复核) ------------------------------------------------------------


class ReviewOutputSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=True, allow_null=True
    )

    class Meta:
        model = ReviewRequest
        fields = [
            "id", "kind", "status", "object_type", "object_id", "person_id", "amount",
            "summary", "payload", "reason", "requested_by", "requested_at",
            "decided_by", "decided_at", "decision_reason", "result",
        ]  # fmt: skip


def review_response(review: ReviewRequest, code: int = http.HTTP_202_ACCEPTED) -> Response:
    """What an act held for review answers: 202 with the pending review."""
    return Response(ReviewOutputSerializer(review).data, status=code)


class _ReviewFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=ReviewRequest.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=ReviewRequest.Kind.choices, required=False)


class _BureauReadsWritersDecide(APIView):
    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAuthenticated(), has_role(CLERK, MANAGER, AUDITOR, POLICY_ADMIN)()]
        return [IsAuthenticated(), has_role(CLERK, MANAGER, POLICY_ADMIN)()]


class ReviewListApi(_BureauReadsWritersDecide):
    """``GET /api/v1/reviews/?status=pending&kind=…``: review requests, newest first."""

    @extend_schema(
        operation_id="reviews_list",
        parameters=[_ReviewFilter],
        responses=page_of(ReviewOutputSerializer),
        tags=["reviews"],
    )
    def get(self, request):
        query = _ReviewFilter(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = reviews_visible_to(request.user, **query.validated_data)
        return paginated(request, self, qs, ReviewOutputSerializer)


class ReviewDetailApi(_BureauReadsWritersDecide):
    @extend_schema(responses=ReviewOutputSerializer, tags=["reviews"])
    def get(self, request, review_id: int):
        review = get_object_or_404(reviews_visible_to(request.user), pk=review_id)
        return Response(ReviewOutputSerializer(review).data)


class ReviewDecisionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ReviewApproveApi(_BureauReadsWritersDecide):
    """``POST …/{id}/approve/ {reason?}``: approve and carry the act out (once; 200)."""

    service = staticmethod(review_approve)

    @extend_schema(request=ReviewDecisionInput, responses=ReviewOutputSerializer, tags=["reviews"])
    def post(self, request, review_id: int):
        # Every request: who may decide it is the service's (a 403 that names no person).
        review = get_object_or_404(ReviewRequest, pk=review_id)
        body = ReviewDecisionInput(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        result = self.service(review=review, actor=request.user, **body.validated_data)
        decided = result[0] if isinstance(result, tuple) else result
        return Response(ReviewOutputSerializer(decided).data)


class ReviewRejectApi(ReviewApproveApi):
    """``POST …/{id}/reject/ {reason}``: refuse the act, with the reason; nothing changes."""

    service = staticmethod(review_reject)


class ReviewWithdrawApi(ReviewApproveApi):
    """``POST …/{id}/withdraw/ {reason?}``: the requester takes a pending request back."""

    service = staticmethod(review_withdraw)
