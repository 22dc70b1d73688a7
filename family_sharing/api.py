"""Family sharing over HTTP: authorisations, revocation, premium payments."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from enrollment.models import Person
from staff.api_utils import page_of, paginated
from staff.inputs import ApiDateField, ApiDecimalField, ApiIntegerField
from staff.permissions import has_role
from staff.roles import CLERK, MANAGER

from .models import PREMIUM_KINDS, PremiumPayment, SharingAuthorisation
from .selectors import authorisation_list
from .services import premium_pay, sharing_grant, sharing_revoke


class ClerkWrites(APIView):
    """Clerks grant, revoke and pay; managers (and auditors) read."""

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAuthenticated(), has_role(CLERK, MANAGER)()]
        return [IsAuthenticated(), has_role(CLERK)()]


class ProofSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SharingAuthorisation.ProofKind.choices)
    number = serializers.CharField(max_length=64)


class AuthorisationOutputSerializer(serializers.ModelSerializer):
    proof = serializers.SerializerMethodField()
    granted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    revoked_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = SharingAuthorisation
        fields = [
            "id", "holder", "member", "relation", "proof", "valid_from", "valid_to", "status",
            "granted_by", "granted_at", "revoked_by", "revoked_at", "reason",
        ]  # fmt: skip

    @extend_schema_field(ProofSerializer)
    def get_proof(self, a) -> dict:
        return {"kind": a.proof_kind, "number": a.proof_number}


class AuthorisationListCreateApi(ClerkWrites):
    """``GET``: authorisations, filtered by ``holder``, ``member``, ``status``.
    ``POST``: grant one (授权)."""

    class InputSerializer(serializers.Serializer):
        holder = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
        member = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
        relation = serializers.ChoiceField(choices=SharingAuthorisation.Relation.choices)
        proof = ProofSerializer()
        valid_from = ApiDateField(required=False, allow_null=True, default=None)
        valid_to = ApiDateField(required=False, allow_null=True, default=None)

    @extend_schema(
        responses=page_of(AuthorisationOutputSerializer),
        operation_id="family_sharing_list",
        tags=["family sharing"],
    )
    def get(self, request):
        qs = authorisation_list()
        for name in ("holder", "member"):
            value = request.query_params.get(name)
            if value is not None:
                # isdigit() alone takes "²" and "٣", which int() then refuses or reads.
                if not (value.isascii() and value.isdigit()) or len(value) > 18:
                    raise serializers.ValidationError({name: [_("A person id is a number.")]})
                qs = qs.filter(**{f"{name}_id": int(value)})
        status_value = request.query_params.get("status")
        if status_value:
            if status_value not in SharingAuthorisation.Status.values:
                raise serializers.ValidationError(
                    {"status": [_("Unknown status “%(v)s”.") % {"v": status_value}]}
                )
            qs = qs.filter(status=status_value)
        return paginated(request, self, qs, AuthorisationOutputSerializer)

    @extend_schema(
        request=InputSerializer,
        responses={201: AuthorisationOutputSerializer},
        tags=["family sharing"],
    )
    def post(self, request):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        proof = data.pop("proof")
        authorisation = sharing_grant(
            **data, proof_kind=proof["kind"], proof_number=proof["number"], actor=request.user
        )
        return Response(
            AuthorisationOutputSerializer(authorisation).data, status=status.HTTP_201_CREATED
        )


class AuthorisationDetailApi(ClerkWrites):
    @extend_schema(responses=AuthorisationOutputSerializer, tags=["family sharing"])
    def get(self, request, authorisation_id: int):
        return Response(
            AuthorisationOutputSerializer(
                get_object_or_404(authorisation_list(), pk=authorisation_id)
            ).data
        )


class AuthorisationRevokeApi(ClerkWrites):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(
        request=InputSerializer, responses=AuthorisationOutputSerializer, tags=["family sharing"]
    )
    def post(self, request, authorisation_id: int):
        authorisation = get_object_or_404(SharingAuthorisation, pk=authorisation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revoked = sharing_revoke(
            authorisation=authorisation, actor=request.user, **serializer.validated_data
        )
        return Response(AuthorisationOutputSerializer(revoked).data)


class PremiumPaymentOutputSerializer(serializers.ModelSerializer):
    balance_after = ApiDecimalField(
        source="ledger_entry.balance_after", max_digits=14, decimal_places=2
    )

    class Meta:
        model = PremiumPayment
        fields = [
            "id", "authorisation", "member", "kind", "year", "amount", "ledger_entry",
            "balance_after", "created_at",
        ]  # fmt: skip


class PremiumPaymentApi(ClerkWrites):
    """``POST {kind, year, amount}``: pay the member's premium from the holder's account
    (代缴); ``GET``: the premiums paid under this authorisation."""

    class InputSerializer(serializers.Serializer):
        # Any text: a use the policy forbids (e.g. ``fitness``) is refused with its article.
        kind = serializers.CharField(max_length=24, help_text=" | ".join(PREMIUM_KINDS))
        year = ApiIntegerField(min_value=2000, max_value=2100)
        amount = ApiDecimalField(max_digits=14, decimal_places=2)

    @extend_schema(
        responses=page_of(PremiumPaymentOutputSerializer),
        operation_id="family_sharing_premium_payments_list",
        tags=["family sharing"],
    )
    def get(self, request, authorisation_id: int):
        authorisation = get_object_or_404(SharingAuthorisation, pk=authorisation_id)
        qs = authorisation.premium_payments.select_related("ledger_entry")
        return paginated(request, self, qs, PremiumPaymentOutputSerializer)

    @extend_schema(
        request=InputSerializer,
        responses={201: PremiumPaymentOutputSerializer},
        tags=["family sharing"],
    )
    def post(self, request, authorisation_id: int):
        authorisation = get_object_or_404(authorisation_list(), pk=authorisation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        payment = premium_pay(
            authorisation=authorisation, actor=request.user, **serializer.validated_data
        )
        return Response(
            PremiumPaymentOutputSerializer(payment).data, status=status.HTTP_201_CREATED
        )
