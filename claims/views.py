"""Clerk pages: chronic/special certifications (慢特病认定) and their printed decisions, manual
reimbursement (手工报销) with a preview, settlement slips (结算单) and reversal."""

from decimal import Decimal

from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST, require_safe

from enrollment.id_numbers import normalize
from enrollment.models import Person
from policies.params import citation_of
from policies.selectors import effective_policy
from staff.decorators import role_required
from staff.errors import DomainError, NotFound
from staff.forms import apply_error, form_page
from staff.paginator import Paginator
from staff.redirects import redirect_next
from staff.reviews import latest_review_of, pending_reviews_of
from staff.roles import CLERK, MANAGER, user_has_role

from .forms import (
    CertificationApplyForm,
    DecisionForm,
    InpatientTotalForm,
    ManualClaimForm,
    SettlementReverseForm,
    SettlementSearchForm,
)
from .models import ChronicCertification, Settlement
from .reviews import (
    CERTIFICATION_TYPE,
    SETTLEMENT_TYPE,
    certification_approval_request,
    certification_needs_review,
    reversal_needs_review,
    reversal_request,
)
from .selectors import certification_list, settlement_by_claim_number, settlement_search
from .services import (
    certification_apply,
    certification_approve,
    certification_reject,
    certification_revoke,
    inpatient_total_set,
)
from .settlement import (
    ClaimRequest,
    breakdown_figures,
    settlement_create,
    settlement_preview,
    settlement_reverse,
)


@role_required(CLERK, MANAGER)
def certification_list_page(request):
    status = request.GET.get("status", "applied")
    qs = certification_list()
    if status in ChronicCertification.Status.values:
        qs = qs.filter(status=status)
    form = CertificationApplyForm(request.POST or None)
    is_clerk = user_has_role(request.user, CLERK)
    if request.method == "POST" and is_clerk and form.is_valid() and _apply(request, form):
        messages.success(request, _("Application recorded."))
        return redirect("claims:certification_list")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    pending = pending_reviews_of(object_type=CERTIFICATION_TYPE, object_ids=[c.pk for c in page])
    for c in page:
        c.pending_review = pending.get(str(c.pk))
    return render(
        request,
        "claims/certification_list.html",
        {
            "page": page,
            "status": status,
            "form": form,
            "statuses": ChronicCertification.Status.choices,
        },
    )


def _treatment(certification: ChronicCertification) -> dict | None:
    """What the certification entitles the person to under the effective policy on its first
    day: deductible, ratio and annual cap of the disease's benefit (an exempt special disease's
    own figures where the document lists it); ``None`` where no policy is in force."""
    person, disease = certification.person, certification.disease
    try:
        policy = effective_policy(region=person.region, on_date=certification.valid_from)
    except NotFound:
        return None
    rules = policy.document.get(disease.kind) or {}
    exempt = (rules.get("exempt_diseases") or {}).get(disease.code) or {}
    ratio = exempt.get("ratio", rules.get("ratio"))
    return {
        "deductible": exempt.get("deductible", rules.get("deductible")),
        "ratio": f"{(Decimal(ratio) * 100).normalize():f}%" if isinstance(ratio, str) else None,
        # Chronic: the first disease's cap (Yuxi), else the overall one (Jilin's 6500 ceiling);
        # special: its annual cap. Unset (null) is said so on the decision, never a 0.
        "annual_cap": rules.get("cap_first_disease")
        or rules.get("annual_cap")
        or rules.get("cap_max"),
        "citation": citation_of(policy.source, person.region.name),
        "source": policy.source,
    }


DECISION_TITLES = {
    ChronicCertification.Status.APPLIED: _lazy("Receipt of an application for certification"),
    ChronicCertification.Status.APPROVED: _lazy(
        "Decision on the certification of a chronic or special outpatient disease"
    ),
    ChronicCertification.Status.REJECTED: _lazy("Notice of refusal of certification"),
    ChronicCertification.Status.REVOKED: _lazy("Notice of revocation of certification"),
}


@role_required(CLERK, MANAGER)
@require_safe
def certification_decision_page(request, certification_id: int):
    """慢特病认定决定书 / 通知书: the decision on one certification as the bureau hands it out."""
    certification = get_object_or_404(
        certification_list().select_related("person__region", "decided_by", "created_by"),
        pk=certification_id,
    )
    day = certification.decided_at or certification.created_at
    # Approved through two-person review: the clerk who asked is 经办人, the approver 复核人.
    review = latest_review_of(
        kind="certification_approval", object_type=CERTIFICATION_TYPE, object_id=certification.pk
    )
    return render(
        request,
        "claims/certification_decision.html",
        {
            "c": certification,
            "title": DECISION_TITLES[certification.status],
            "number": f"RD-{certification.person.region.code}-{timezone.localtime(day).year}-"
            f"{certification.pk:06d}",
            "treatment": _treatment(certification),
            # Only the approval went through review: a later revocation's notice has its own 经办人.
            "review": review
            if review
            and review.status == "approved"
            and certification.status == ChronicCertification.Status.APPROVED
            else None,
        },
    )


def _apply(request, form) -> bool:
    data = form.cleaned_data
    person = Person.objects.filter(id_number=normalize(data["id_number"])).first()
    if person is None:
        form.add_error("id_number", _("Nobody is registered with this ID number."))
        return False
    try:
        certification_apply(
            person=person,
            disease_code=data["disease"].code,
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            actor=request.user,
        )
    except (ValidationError, DomainError) as exc:
        apply_error(form, exc)
        return False
    return True


@role_required(CLERK)
@require_POST
def certification_decide(request, certification_id: int):
    certification = get_object_or_404(ChronicCertification, pk=certification_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve, reject or revoke."))
    else:
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "approve" and certification_needs_review():
                review = certification_approval_request(
                    certification=certification, actor=request.user, reason=reason
                )
                messages.success(
                    request,
                    _("The approval awaits review by another user (review #%(id)s).")
                    % {"id": review.pk},
                )
                return redirect_next(request, "claims:certification_list")
            if action == "approve":
                certification_approve(
                    certification=certification, actor=request.user, reason=reason
                )
            elif action == "reject":
                certification_reject(certification=certification, reason=reason, actor=request.user)
            else:
                certification_revoke(certification=certification, reason=reason, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Decision recorded."))
    return redirect_next(request, "claims:certification_list")


def _request_from(form, person, holder) -> ClaimRequest:
    data = form.cleaned_data
    return ClaimRequest(
        claim_number=data["claim_number"],
        person=person,
        institution=data["institution"],
        visit_date=data["visit_date"],
        benefit=data["benefit"],
        total_amount=data["total_amount"],
        self_pay_amount=data["self_pay_amount"],
        class_b_amount=data["class_b_amount"],
        disease_code=data["disease_code"] or "",
        # Unticked: the registry decides (a ticked box must agree with it).
        out_of_region_filed=data["out_of_region_filed"] or None,
        prescribing_institution=data["prescribing_institution"],
        use_account=data["use_account"],
        account_holder=holder,
        channel="manual",
    )


def _person_by(form, field: str) -> Person | None:
    person = Person.objects.filter(id_number=normalize(form.cleaned_data[field])).first()
    if person is None:
        form.add_error(field, _("Nobody is registered with this ID number."))
    return person


# A preview is confirmed within half an hour or previewed again: balances and the year's
# figures move, and a clerk should not settle figures read long ago.
PREVIEW_MAX_AGE = 30 * 60
PREVIEW_SALT = "claims.manual_claim.preview"


def _preview_token(request, claim: ClaimRequest, figures: dict[str, str]) -> str:
    """The preview, signed: who previewed which claim (its canonical input) and what it pays."""
    body = {"user": request.user.pk, "claim": claim.fingerprint(), "figures": figures}
    return signing.dumps(body, salt=PREVIEW_SALT)


def _previewed_figures(request, claim: ClaimRequest) -> dict[str, str]:
    """The figures this clerk previewed for exactly this claim; a DomainError otherwise (no
    preview, a changed field, another clerk's or an expired preview, a forged token)."""
    try:
        signed = signing.loads(
            request.POST.get("preview_token", ""), salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE
        )
    except signing.SignatureExpired:
        raise DomainError(
            _(
                "The preview is more than %(minutes)d minutes old: nothing was settled."
                " Preview the claim again."
            )
            % {"minutes": PREVIEW_MAX_AGE // 60},
            code="preview_stale",
        ) from None
    except signing.BadSignature:
        signed = {}
    if signed.get("user") != request.user.pk or signed.get("claim") != claim.fingerprint():
        raise DomainError(
            _(
                "The claim was changed after the preview, or was not previewed: nothing was"
                " settled. Preview it again and check the figures before confirming."
            ),
            code="preview_changed",
        )
    return signed["figures"]


def _duplicate_error(form, existing: Settlement) -> None:
    form.add_error(
        "claim_number",
        _(
            "Invoice number %(n)s was already settled at this institution on %(day)s"
            " (%(status)s); it cannot be settled again."
        )
        % {
            "n": existing.claim_number,
            "day": timezone.localtime(existing.created_at).date().isoformat(),
            "status": existing.get_status_display(),
        },
    )


@role_required(CLERK)
def manual_claim_page(request):
    """手工报销: enter → preview with the explanation → confirm → settlement slip.

    The confirmation settles exactly what was previewed: the preview page carries a signed
    token of the claim's canonical input and of the figures shown, and a confirmation whose
    input differs (or whose figures would now differ) is refused; the clerk previews again."""
    form = ManualClaimForm(request.POST or None)
    preview = token = duplicate = None
    if request.method == "POST" and form.is_valid():
        person = _person_by(form, "id_number")
        holder_number = form.cleaned_data["account_holder_id_number"]
        holder = _person_by(form, "account_holder_id_number") if holder_number else None
        if person is not None and (holder is not None or not holder_number):
            claim = _request_from(form, person, holder)
            duplicate = settlement_by_claim_number(
                institution=claim.institution, claim_number=claim.claim_number
            )
            try:
                if "confirm" in request.POST:
                    figures = _previewed_figures(request, claim)
                    settlement, created = settlement_create(
                        request=claim, actor=request.user, expected=figures
                    )
                    if created:
                        messages.success(request, _("Settled."))
                    else:  # a second click on the confirm button
                        messages.info(request, _("This claim had already been settled."))
                    return redirect("claims:settlement_slip", settlement_id=settlement.pk)
                if duplicate is not None:
                    _duplicate_error(form, duplicate)
                else:
                    preview = settlement_preview(request=claim)
                    token = _preview_token(request, claim, breakdown_figures(preview))
            except (ValidationError, DomainError) as exc:
                if getattr(exc, "field", None) == "account_holder":
                    exc.field = "account_holder_id_number"
                if getattr(exc, "field", None) == "claim_number" and duplicate is not None:
                    _duplicate_error(form, duplicate)
                else:
                    apply_error(form, exc)
    return render(
        request,
        "claims/manual_claim.html",
        {"form": form, "preview": preview, "preview_token": token, "duplicate": duplicate},
        status=400 if form.is_bound and form.errors else 200,  # a refusal is a 4xx
    )


@role_required(CLERK, MANAGER)
def settlement_slip_page(request, settlement_id: int):
    """结算单: every figure and the rules applied; printable."""
    settlement = get_object_or_404(
        Settlement.objects.select_related(
            "person", "institution", "policy_version", "account_holder", "reversed_by", "created_by"
        ),
        pk=settlement_id,
    )
    version = settlement.policy_version
    citation = citation_of(version.source, settlement.person.region.name)
    review = latest_review_of(
        kind="settlement_reversal", object_type=SETTLEMENT_TYPE, object_id=settlement.pk
    )
    return render(
        request,
        "claims/settlement_slip.html",
        {
            "s": settlement,
            "citation": citation,
            "pending_review": review if review and review.status == "pending" else None,
            "reversal_review": review if review and review.status == "approved" else None,
        },
    )


@role_required(CLERK, MANAGER)
@require_safe
def settlement_list_page(request):
    """结算查询: find a settlement by claim number, person, institution, dates, benefit or
    status; each row links to its slip (reprint) and, for a clerk, to its reversal."""
    form = SettlementSearchForm(request.GET or None)
    qs = settlement_search()
    if form.is_bound and form.is_valid():
        qs = settlement_search(**{k: v for k, v in form.cleaned_data.items() if v})
    elif form.is_bound:
        qs = qs.none()
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    refused = form.is_bound and not form.is_valid()
    # The columns add up over everything found (every page), reversed settlements left out:
    # a reversal paid nothing back, so counting it would overstate what was paid.
    totals = qs.exclude(status=Settlement.Status.REVERSED).aggregate(
        total_amount=Sum("total_amount"), pool_paid=Sum("pool_paid"), n=Count("pk")
    )
    return render(
        request,
        "claims/settlement_list.html",
        {
            "form": form,
            "page": page,
            "pager_query": query.urlencode(),
            "can_reverse": user_has_role(request.user, CLERK),
            "refused": refused,
            "totals": totals,
        },
        status=400 if refused else 200,
    )


@role_required(CLERK, auditors_read=False)
def settlement_reverse_page(request, settlement_id: int):
    """撤销: GET asks for the reason and a confirmation; POST reverses (nothing without both)."""
    settlement = get_object_or_404(
        Settlement.objects.select_related("person", "institution"), pk=settlement_id
    )
    form = SettlementReverseForm(request.POST if request.method == "POST" else None)
    if settlement.status == Settlement.Status.REVERSED:
        messages.error(request, _("This settlement has already been reversed."))
        return redirect("claims:settlement_slip", settlement_id=settlement_id)
    if pending_reviews_of(object_type=SETTLEMENT_TYPE, object_ids=[settlement.pk]):
        messages.info(request, _("This is already awaiting review; it cannot be asked for twice."))
        return redirect("claims:settlement_slip", settlement_id=settlement_id)
    needs_review = reversal_needs_review(settlement=settlement, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if needs_review:
                review = reversal_request(
                    settlement=settlement, actor=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request,
                    _(
                        "The reversal awaits review by another user (review #%(id)s); nothing"
                        " changes until it is approved."
                    )
                    % {"id": review.pk},
                )
                return redirect("claims:settlement_slip", settlement_id=settlement_id)
            settlement_reverse(
                settlement=settlement, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Settlement reversed; the account and year-to-date figures are restored."),
            )
        return redirect("claims:settlement_slip", settlement_id=settlement_id)
    return render(
        request,
        "claims/settlement_reverse.html",
        {"s": settlement, "form": form, "needs_review": needs_review},
        status=400 if form.is_bound else 200,
    )


@role_required(CLERK)
def inpatient_total_page(request, person_id: int):
    """Record the inpatient system's reported inpatient pooled total of a year (counted with
    the outpatient pooled payments a document shares with inpatient care)."""
    from django.urls import reverse

    person = get_object_or_404(Person, pk=person_id)
    today = timezone.localdate()
    current = person.inpatient_totals.filter(year=today.year).first()
    initial = {"year": today.year, "as_of": today.isoformat()}
    if current is not None:
        initial.update(pooled=current.pooled, source=current.source)
    return form_page(
        request,
        InpatientTotalForm(request.POST or None, initial=initial),
        action=lambda data: inpatient_total_set(person=person, actor=request.user, **data),
        success=_("Inpatient pooled total recorded."),
        redirect_to=reverse("enrollment:person_detail", args=[person.pk]),
        title=_("Reported inpatient pooled total of %(name)s") % {"name": person.name},
        context={"person": person},
    )
