"""Certifications and settlements over HTTP."""

import re
from datetime import date
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import account_for
from enrollment.id_numbers import InvalidIdNumber, parse
from enrollment.models import Institution, Person
from staff.api import ReviewOutputSerializer, review_response
from staff.api_utils import (
    FastPrimaryKeyRelatedField,
    HotInputSerializer,
    filtered,
    page_of,
    paginated,
)
from staff.errors import DomainError, NotFound
from staff.inputs import (
    EARLIEST_DATE,
    LATEST_DATE,
    ApiCodeField,
    ApiDateField,
    ApiDecimalField,
    ApiIntegerField,
    has_foreign_digits,
)
from staff.parsers import loads as json_loads
from staff.permissions import has_role
from staff.roles import AUDITOR, CLERK, INSTITUTION, MANAGER, POLICY_ADMIN, user_has_role

from . import calculator
from .filters import CertificationFilter
from .models import ChronicCertification, Settlement
from .patients import is_patient, patient_lookup_record
from .reviews import (
    certification_approval_request,
    certification_needs_review,
    reversal_needs_review,
    reversal_request,
)
from .selectors import certification_list
from .services import (
    certification_apply,
    certification_approve,
    certification_reject,
    certification_revoke,
)
from .settlement import ClaimRequest, settlement_create, settlement_preview, settlement_reverse


class ClerkWrites(APIView):
    def get_permissions(self):
        # Certifications name a person's disease: not policy administrators (nothing of a
        # person is their work); institutions their own patients' only (the view scopes it).
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAuthenticated(), has_role(CLERK, MANAGER, INSTITUTION)()]
        return [IsAuthenticated(), has_role(CLERK)()]


class CertificationOutputSerializer(serializers.ModelSerializer):
    disease_code = serializers.CharField(source="disease.code")
    disease_name = serializers.CharField(source="disease.name")
    kind = serializers.CharField(source="disease.kind")
    decided_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

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
        disease_code = ApiCodeField(max_length=16)
        valid_from = ApiDateField()
        valid_to = ApiDateField(required=False, allow_null=True)

    @extend_schema(
        responses=page_of(CertificationOutputSerializer),
        operation_id="chronic_certifications_list",
        tags=["claims"],
    )
    def get(self, request):
        qs = filtered(CertificationFilter, request, certification_list())
        scope = institution_scope(request.user)
        if scope is not None:
            # An institution sees the certifications of the patients it has settled only.
            qs = qs.filter(person_id__in=treated_person_ids(scope))
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
    """Approve at once (200), or, while ``REVIEW_CERTIFICATION_APPROVAL`` is on, ask for the
    approval (202 with the pending review): another clerk, not the applicant, approves it at
    ``/api/v1/reviews/{id}/approve/``. An optional ``{reason}`` is kept with the approval, as
    the clerks' pages keep it."""

    class InputSerializer(serializers.Serializer):
        # An empty body is accepted as before.
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(
        request=InputSerializer,
        responses={200: CertificationOutputSerializer, 202: ReviewOutputSerializer},
        tags=["claims"],
    )
    def post(self, request, certification_id: int):
        certification = get_object_or_404(ChronicCertification, pk=certification_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        if certification_needs_review():
            return review_response(
                certification_approval_request(
                    certification=certification, actor=request.user, reason=reason
                )
            )
        return Response(
            CertificationOutputSerializer(
                certification_approve(
                    certification=certification, actor=request.user, reason=reason
                )
            ).data
        )


class CertificationRejectApi(ClerkWrites):
    """``POST …/{id}/reject/ {reason}``; the revoke endpoint differs only by its service."""

    service = staticmethod(certification_reject)

    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=200)

    @extend_schema(
        request=InputSerializer, responses=CertificationOutputSerializer, tags=["claims"]
    )
    def post(self, request, certification_id: int):
        certification = get_object_or_404(ChronicCertification, pk=certification_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = self.service(
            certification=certification, actor=request.user, **serializer.validated_data
        )
        return Response(CertificationOutputSerializer(decided).data)


class CertificationRevokeApi(CertificationRejectApi):
    """``POST …/{id}/revoke/ {reason}``."""

    service = staticmethod(certification_revoke)


# --- Settlements ---------------------------------------------------------------------------------


class ClaimInputSerializer(HotInputSerializer):
    claim_number = ApiCodeField(max_length=64)
    person = FastPrimaryKeyRelatedField(queryset=Person.objects.all())
    institution = FastPrimaryKeyRelatedField(queryset=Institution.objects.all())
    visit_date = ApiDateField()
    benefit = serializers.ChoiceField(choices=["general_outpatient", "chronic", "special"])
    total_amount = ApiDecimalField(max_digits=14, decimal_places=2, min_value=0)
    self_pay_amount = ApiDecimalField(
        max_digits=14, decimal_places=2, min_value=0, default=Decimal("0.00")
    )
    class_b_amount = ApiDecimalField(
        max_digits=14, decimal_places=2, min_value=0, default=Decimal("0.00")
    )
    disease_code = ApiCodeField(
        max_length=16, required=False, allow_blank=True, allow_null=True, default=""
    )
    # Left out (or null): the filing registry decides; sent, it must agree with the registry.
    out_of_region_filed = serializers.BooleanField(required=False, allow_null=True, default=None)
    prescribing_institution = FastPrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True, default=None
    )
    use_account = serializers.BooleanField(default=True)
    account_holder = FastPrimaryKeyRelatedField(
        queryset=Person.objects.all(), required=False, allow_null=True, default=None
    )

    def validate(self, data):
        if data["self_pay_amount"] > data["total_amount"]:
            raise serializers.ValidationError(
                {"self_pay_amount": _("self_pay_amount is larger than total_amount.")}
            )
        if data["class_b_amount"] > data["total_amount"] - data["self_pay_amount"]:
            raise serializers.ValidationError(
                {"class_b_amount": _("class_b_amount is larger than the in-policy amount.")}
            )
        data["disease_code"] = data.get("disease_code") or ""
        return data


_MONEY = ApiDecimalField(max_digits=14, decimal_places=2)
_MONEY_FIELDS = (
    "total_amount", "self_pay_amount", "policy_amount", "first_pay_amount",
    "deductible_applied", "pool_paid", "account_paid", "family_account_paid", "cash_paid",
)  # fmt: skip
_DATETIME = serializers.DateTimeField()


class SettlementOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Settlement
        fields = [
            "id", "claim_number", "person", "institution", "account_holder", "visit_date",
            "benefit", "disease_code", "out_of_region_filed", "channel", *_MONEY_FIELDS,
            "explanation", "status", "created_at", "reversed_at", "reversal_reason",
        ]  # fmt: skip

    def to_representation(self, s: Settlement) -> dict:
        """The same dict DRF's generic walk over the fields gives (a test holds them equal),
        written out because building the fields per response costs more than the settlement's
        SQL on the hottest endpoint."""
        data = {
            "id": s.pk,
            "claim_number": s.claim_number,
            "person": s.person_id,
            "institution": s.institution_id,
            "account_holder": s.account_holder_id,
            "visit_date": s.visit_date.isoformat(),
            "benefit": s.benefit,
            "disease_code": s.disease_code,
            # The registry's decision (异地就医备案), whatever the request's flag said.
            "out_of_region_filed": s.out_of_region_filed,
            "channel": s.channel,
        }
        for name in _MONEY_FIELDS:
            data[name] = _MONEY.to_representation(getattr(s, name))
        data["explanation"] = s.explanation
        data["status"] = s.status
        data["created_at"] = _DATETIME.to_representation(s.created_at)
        data["reversed_at"] = s.reversed_at and _DATETIME.to_representation(s.reversed_at)
        data["reversal_reason"] = s.reversal_reason
        return data


def institution_scope(user):
    """The institution an API client acts for, or None for bureau staff (who see all)."""
    if user_has_role(user, CLERK, MANAGER, POLICY_ADMIN, AUDITOR):
        return None
    link = getattr(user, "institution_link", None)
    if link is None:
        raise PermissionDenied(_("This API user is not linked to an institution."))
    return link.institution_id


def treated_person_ids(institution_id: int):
    """The persons an institution has settled a claim for (a subquery)."""
    return (
        Settlement.objects.filter(institution_id=institution_id)
        .values("person_id")
        .distinct()
        .order_by()
    )


def scoped_settlements(user):
    scope = institution_scope(user)
    qs = Settlement.objects.all()
    return qs if scope is None else qs.filter(institution_id=scope)


def check_institution(user, institution_id: int) -> None:
    scope = institution_scope(user)
    if scope is not None and scope != institution_id:
        raise PermissionDenied(_("An institution settles only its own claims."))


class ClaimsRole(APIView):
    def get_permissions(self):
        return [IsAuthenticated(), has_role(CLERK, INSTITUTION, MANAGER)()]


class PrefetchesClaimRows:
    """The patient and institutions a claim's JSON body names are read in the token's round
    trip (``enrollment.authentication``); ``claim_input`` hands them to ``well_formed_claim`` or
    the serializer, which validate them as they would have read them."""

    PREFETCHED = (
        ("person", Person),
        ("institution", Institution),
        ("prescribing_institution", Institution),
        ("account_holder", Person),
    )

    def rows_to_prefetch(self, request) -> list[tuple[type, int]]:
        raw = request._request
        small = int(raw.META.get("CONTENT_LENGTH") or 0) <= 65_536
        if raw.method != "POST" or raw.content_type != "application/json" or not small:
            return []
        try:
            body = json_loads(raw.body)
        except ValueError:  # includes undecodable bytes; DRF's parser says what is wrong
            return []
        if not isinstance(body, dict):
            return []
        wanted = []
        for name, model in self.PREFETCHED:
            value = body.get(name)
            is_id = isinstance(value, int) and not isinstance(value, bool)
            if is_id and 0 < value <= FastPrimaryKeyRelatedField.MAX_ID:
                wanted.append((model, value))
        return wanted


def claim_input(request) -> dict:
    """The claim's validated data: a well-formed body (``well_formed_claim``) without the
    serializer, anything else through it (its errors are the answer)."""
    prefetched = getattr(request, "prefetched_rows", None)
    data = well_formed_claim(request.data, prefetched)
    if data is not None:
        return data
    serializer = ClaimInputSerializer(data=request.data, context={"prefetched": prefetched})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


_CLAIM_FIELDS = frozenset(ClaimInputSerializer._declared_fields)
_BENEFITS = frozenset(ClaimInputSerializer._declared_fields["benefit"].choices)
# ASCII digits only (``\d`` would take ２ and ٢: see staff.inputs); anything else goes to the
# serializer, whose fields refuse it with a message.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(r"(?:0|[1-9][0-9]{0,11})(?:\.[0-9]{1,2})?")  # ≤ 14 digits, ≤ 2 places, ≥ 0
_UNSAFE = re.compile("[\x00\ud800-\udfff]")  # refused by every CharField
_FLAGS = (("use_account", True),)
_LINKS = (
    ("person", Person, True),
    ("institution", Institution, True),
    ("prescribing_institution", Institution, False),
    ("account_holder", Person, False),
)


def _text(value, max_length: int) -> bool:
    return (
        type(value) is str
        and len(value) <= max_length
        and value == value.strip()
        and not _UNSAFE.search(value)
        and not has_foreign_digits(value)
    )


def _amount(value) -> Decimal | None:
    if type(value) is str and _AMOUNT.fullmatch(value):
        return Decimal(value).quantize(calculator.CENT)
    if type(value) is int and 0 <= value < 10**12:
        return Decimal(value).quantize(calculator.CENT)
    return None


def well_formed_claim(body, prefetched: dict | None) -> dict | None:
    """A claim body in its plainest form, exactly as ``ClaimInputSerializer`` would validate
    it, or None for anything else (an odd type, a blank, a third decimal, a missing row, a
    failed cross-check: the serializer then says what is wrong). Validating a claim through the
    serializer's fields is an eighth of an API claim's instructions; ``test_claim_input.py``
    checks with generated bodies that whatever this accepts, the serializer accepts alike."""
    if type(body) is not dict or not body.keys() <= _CLAIM_FIELDS or not prefetched:
        return None
    claim_number, visit_date = body.get("claim_number"), body.get("visit_date")
    disease_code = body.get("disease_code", "")
    benefit = body.get("benefit")
    if not (claim_number and _text(claim_number, 64) and type(benefit) is str):
        return None
    if benefit not in _BENEFITS:
        return None
    if not (disease_code is None or _text(disease_code, 16)):
        return None
    if type(visit_date) is not str or not _DATE.fullmatch(visit_date):
        return None
    try:
        visit = date.fromisoformat(visit_date)
    except ValueError:
        return None
    if not EARLIEST_DATE <= visit <= LATEST_DATE:  # as ApiDateField
        return None
    flags = {name: body.get(name, default) for name, default in _FLAGS}
    if any(type(flag) is not bool for flag in flags.values()):
        return None
    filed = body.get("out_of_region_filed")
    if filed is not None and type(filed) is not bool:
        return None
    flags["out_of_region_filed"] = filed
    total = _amount(body.get("total_amount"))
    self_pay = _amount(body.get("self_pay_amount", "0.00"))
    class_b = _amount(body.get("class_b_amount", "0.00"))
    if total is None or self_pay is None or class_b is None:
        return None
    if self_pay > total or class_b > total - self_pay:
        return None
    data = {
        "claim_number": claim_number,
        "visit_date": visit,
        "benefit": benefit,
        "total_amount": total,
        "self_pay_amount": self_pay,
        "class_b_amount": class_b,
        "disease_code": disease_code or "",
        **flags,
    }
    for name, model, required in _LINKS:
        pk = body.get(name)
        if pk is None and not required:
            data[name] = None
            continue
        if type(pk) is not int or not 0 < pk <= FastPrimaryKeyRelatedField.MAX_ID:
            return None
        row = prefetched.get((model, pk))
        if row is None:
            return None
        data[name] = row
    return data


class ClaimFilterSerializer(serializers.Serializer):
    """The list's filters: an id that is not a number, or a status or benefit that does not
    exist, is a 400 saying so (it was a 500, or an empty list that looked like an answer)."""

    person = ApiIntegerField(required=False, min_value=1, max_value=2**63 - 1)
    institution = ApiIntegerField(required=False, min_value=1, max_value=2**63 - 1)
    status = serializers.ChoiceField(choices=Settlement.Status.choices, required=False)
    benefit = serializers.ChoiceField(choices=sorted(_BENEFITS), required=False)


_CLAIM_FILTERS = ("person", "institution", "status", "benefit")


class ClaimCreateListApi(PrefetchesClaimRows, ClaimsRole):
    """``POST``: settle (201; the same claim number and body again → 200 with the original;
    a different body → 409). ``GET``: settlements, filtered by person, institution, status."""

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), has_role(CLERK, INSTITUTION)()]
        return super().get_permissions()

    @extend_schema(
        request=ClaimInputSerializer, responses={201: SettlementOutputSerializer}, tags=["claims"]
    )
    def post(self, request):
        data = claim_input(request)
        check_institution(request.user, data["institution"].pk)
        try:
            settlement, created = settlement_create(
                request=ClaimRequest(**data), actor=request.user
            )
        except DomainError:
            # A refusal writes nothing and its reason tells the person's facts (no approved
            # certification, an inpatient stay, the deductible used): for a person who is not
            # the institution's patient it says only that (the preview's rule), and the
            # settlement that does go through is recorded, audited and makes them a patient.
            _refuse_unless_patient(request.user, data["person"].pk)
            raise
        return Response(
            SettlementOutputSerializer(settlement).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        parameters=[ClaimFilterSerializer],
        responses=page_of(SettlementOutputSerializer),
        operation_id="claims_list",
        tags=["claims"],
    )
    def get(self, request):
        filters = ClaimFilterSerializer(
            data={k: v for k, v in request.query_params.items() if k in _CLAIM_FILTERS and v}
        )
        filters.is_valid(raise_exception=True)
        qs = scoped_settlements(request.user).filter(**filters.validated_data)
        return paginated(request, self, qs, SettlementOutputSerializer)


def _money():
    return ApiDecimalField(max_digits=14, decimal_places=2)


class PreviewOutputSerializer(serializers.Serializer):
    """The settlement's figures before anything is written (预结算)."""

    total_amount = _money()
    self_pay_amount = _money()
    policy_amount = _money()
    first_pay_amount = _money()
    deductible_applied = _money()
    pool_paid = _money()
    account_paid = _money()
    family_account_paid = _money()
    cash_paid = _money()
    explanation = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    def get_explanation(self, breakdown) -> list[dict]:
        return [line.as_dict() for line in breakdown.explanation]

    def get_status(self, breakdown) -> str:
        return "preview"


def _refuse_unless_patient(user, person_id: int) -> None:
    """An institution reads what settling says only of its patients (``claims.patients``)."""
    scope = institution_scope(user)
    if scope is not None and not is_patient(institution_id=scope, person_id=person_id):
        raise PermissionDenied(
            _(
                "This person is not yet a patient of this institution: look them up by "
                "the ID number they present first (GET /api/v1/persons/lookup/)."
            )
        )


class ClaimPreviewApi(PrefetchesClaimRows, ClaimsRole):
    """预结算: the figures, nothing written. An institution previews its patients' claims only
    (``claims.patients``): a preview leaves no trace, and its figures and refusals would tell
    anyone's balance, deductible used, inpatient stay or certified disease by trying ids."""

    @extend_schema(request=ClaimInputSerializer, responses=PreviewOutputSerializer, tags=["claims"])
    def post(self, request):
        data = claim_input(request)
        check_institution(request.user, data["institution"].pk)
        _refuse_unless_patient(request.user, data["person"].pk)
        breakdown = settlement_preview(request=ClaimRequest(**data))
        return Response(PreviewOutputSerializer(breakdown).data)


class ClaimDetailApi(ClaimsRole):
    @extend_schema(responses=SettlementOutputSerializer, tags=["claims"])
    def get(self, request, settlement_id: int):
        return Response(
            SettlementOutputSerializer(
                get_object_or_404(scoped_settlements(request.user), pk=settlement_id)
            ).data
        )


class ReverseInputSerializer(serializers.Serializer):
    """An empty body is accepted as before; a reason (撤销原因) is kept when given."""

    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ClaimReverseApi(ClaimsRole):
    """Reverse at once (200); a clerk's reversal of a settlement above
    ``REVIEW_REVERSAL_ABOVE`` is asked for instead (202 with the pending review) and done when
    another user approves it. An institution's reversal of its own claim is never held."""

    def get_permissions(self):
        return [IsAuthenticated(), has_role(CLERK, INSTITUTION)()]

    @extend_schema(
        request=ReverseInputSerializer,
        responses={200: SettlementOutputSerializer, 202: ReviewOutputSerializer},
        tags=["claims"],
    )
    def post(self, request, settlement_id: int):
        settlement = get_object_or_404(scoped_settlements(request.user), pk=settlement_id)
        body = ReverseInputSerializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        if settlement.status == Settlement.Status.SETTLED and reversal_needs_review(
            settlement=settlement, user=request.user
        ):
            return review_response(
                reversal_request(
                    settlement=settlement,
                    actor=request.user,
                    reason=body.validated_data["reason"],
                )
            )
        return Response(
            SettlementOutputSerializer(
                settlement_reverse(
                    settlement=settlement,
                    actor=request.user,
                    reason=body.validated_data["reason"],
                )
            ).data
        )


# --- Person lookup (人员信息获取, the national interface's 1101) ------------------------------
class PersonLookupOutputSerializer(serializers.Serializer):
    """What settling a patient needs, in the national 1101 names: who (``psn_no`` is the
    ``person`` a claim names), insured how and where, and the personal account's balance."""

    psn_no = serializers.CharField(help_text="The person's id: a claim's `person`.")
    certno = serializers.CharField(help_text="The ID number looked up.")
    name = serializers.CharField()
    gend = serializers.CharField(help_text="1 male, 2 female (GB/T 2261.1).")
    brdy = serializers.DateField(help_text="Birth date (from the ID number).")
    insutype = serializers.CharField(help_text="310 employees' scheme, 390 residents' scheme.")
    psn_type = serializers.CharField(
        help_text="1101 active employee, 1103 flexible employment (active), 1201 retired "
        "employee, 1203 flexible employment (retired), 1400 resident."
    )
    psn_insu_stas = serializers.CharField(
        help_text="1 insured normally; 2 insured but suspended (arrears or suspension)."
    )
    balc = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Personal account balance (0.00 without one)."
    )
    insuplc_admdvs = serializers.CharField(help_text="The insured region's division code.")


# The national code tables (NATIONAL-INTERFACE.md, code tables): insutype, psn_type, psn_insu_stas.
_INSUTYPE = {"employee": "310", "resident": "390"}
_PSN_TYPE = {
    ("employee", False): "1101",
    ("employee", True): "1103",
    ("retiree", False): "1201",
    ("retiree", True): "1203",
}
# Residents: the table gives only the 14xx class; 1400 is our reading (no subclass is recorded).
_RESIDENT_PSN_TYPE = "1400"
_INSU_STAS = {"active": "1", "arrears": "2", "suspended": "2"}


def person_lookup_data(person: Person) -> dict:
    account = account_for(person=person)
    if person.scheme == Person.Scheme.RESIDENT:
        psn_type = _RESIDENT_PSN_TYPE
    else:
        flexible = person.employment == Person.Employment.FLEXIBLE
        psn_type = _PSN_TYPE[(person.category, flexible)]
    return {
        "psn_no": str(person.pk),
        "certno": person.id_number,
        "name": person.name,
        "gend": "1" if person.gender == Person.Gender.MALE else "2",
        "brdy": person.birth_date,
        "insutype": _INSUTYPE[person.scheme],
        "psn_type": psn_type,
        "psn_insu_stas": _INSU_STAS[person.status],
        "balc": account.balance if account is not None else Decimal("0.00"),
        "insuplc_admdvs": person.region.code,
    }


class PersonLookupApi(APIView):
    """``GET /api/v1/persons/lookup/?id_number=…``: the one person with this ID number, in
    the 1101 shape (insurance status and account balance), for an institution about to settle
    a claim (and for bureau staff). Only a full, valid ID number finds anyone: no lists, no
    partial numbers, no names."""

    class FilterSerializer(serializers.Serializer):
        id_number = serializers.CharField(max_length=32)

        def validate_id_number(self, value: str) -> str:
            try:
                return parse(value).number
            except InvalidIdNumber as exc:
                raise serializers.ValidationError(str(exc)) from None

    def get_permissions(self):
        return [IsAuthenticated(), has_role(CLERK, MANAGER, INSTITUTION)()]

    @extend_schema(
        parameters=[FilterSerializer],
        responses=PersonLookupOutputSerializer,
        operation_id="persons_lookup",
        tags=["claims"],
    )
    def get(self, request):
        scope = institution_scope(request.user)  # an institution user must be linked to one
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        person = (
            Person.objects.select_related("region")
            .filter(id_number=filters.validated_data["id_number"])
            .first()
        )
        if person is None:
            raise NotFound(_("No insured person has this ID number."), field="id_number")
        if scope is not None:
            patient_lookup_record(institution_id=scope, person_id=person.pk, via="REST")
        return Response(PersonLookupOutputSerializer(person_lookup_data(person)).data)


# --- Inpatient pooled totals (DESIGN.md "Inpatient pooled totals and combined maxima") --------
_ASCII_MONEY = re.compile(r"^[0-9]{1,12}(\.[0-9]{1,2})?$", re.ASCII)
_ASCII_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)


class InpatientTotalInputSerializer(serializers.Serializer):
    pooled = serializers.CharField(max_length=16)
    as_of = serializers.CharField(max_length=10)
    source = serializers.CharField(max_length=200)

    def validate_pooled(self, value: str) -> Decimal:
        if not _ASCII_MONEY.match(value.strip()):
            raise serializers.ValidationError("金额须为阿拉伯数字，最多两位小数，例如 1234.56。")
        return Decimal(value.strip())

    def validate_as_of(self, value: str) -> date:
        try:
            if not _ASCII_DATE.match(value.strip()):
                raise ValueError
            return date.fromisoformat(value.strip())
        except ValueError:
            raise serializers.ValidationError("日期格式须为 YYYY-MM-DD（阿拉伯数字）。") from None


class InpatientTotalOutputSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    year = serializers.IntegerField()
    pooled = serializers.DecimalField(max_digits=14, decimal_places=2)
    as_of = serializers.DateField()
    source = serializers.CharField()
    updated_at = serializers.DateTimeField()


class InpatientTotalApi(APIView):
    """``PUT /api/v1/persons/{id}/inpatient-totals/{year}/ {pooled, as_of, source}``: the
    inpatient system's report of the year's inpatient pooled total (clerks record it; the
    figure counts within a region's combined maximum). ``GET`` returns it."""

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [IsAuthenticated(), has_role(CLERK, MANAGER, AUDITOR)()]
        return [IsAuthenticated(), has_role(CLERK)()]

    @extend_schema(responses=InpatientTotalOutputSerializer, tags=["claims"])
    def get(self, request, person_id: int, year: int):
        from .models import InpatientTotal

        row = get_object_or_404(InpatientTotal, person_id=person_id, year=year)
        return Response(InpatientTotalOutputSerializer(row).data)

    @extend_schema(
        request=InpatientTotalInputSerializer,
        responses=InpatientTotalOutputSerializer,
        tags=["claims"],
    )
    def put(self, request, person_id: int, year: int):
        from .services import inpatient_total_set

        person = get_object_or_404(Person, pk=person_id)
        serializer = InpatientTotalInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row, created = inpatient_total_set(
            person=person, year=year, actor=request.user, **serializer.validated_data
        )
        return Response(
            InpatientTotalOutputSerializer(row).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
