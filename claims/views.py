"""Clerk pages: chronic/special certifications (慢特病认定), manual reimbursement (手工报销)
with a preview, settlement slips (结算单) and reversal."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enrollment.id_numbers import normalize
from enrollment.models import Person
from policies.params import citation_of
from staff.decorators import role_required
from staff.errors import DomainError
from staff.forms import apply_error
from staff.roles import CLERK, MANAGER, POLICY_ADMIN, user_has_role

from .forms import CertificationApplyForm, DecisionForm, ManualClaimForm
from .models import ChronicCertification, Settlement
from .selectors import certification_list
from .services import (
    certification_apply,
    certification_approve,
    certification_reject,
    certification_revoke,
)
from .settlement import (
    ClaimRequest,
    settlement_create,
    settlement_preview,
    settlement_reverse,
)


@role_required(CLERK, MANAGER, POLICY_ADMIN)
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
            if action == "approve":
                certification_approve(certification=certification, actor=request.user)
            elif action == "reject":
                certification_reject(certification=certification, reason=reason, actor=request.user)
            else:
                certification_revoke(certification=certification, reason=reason, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Decision recorded."))
    return redirect(request.POST.get("next") or "claims:certification_list")


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
        out_of_region_filed=data["out_of_region_filed"],
        prescribing_institution=data["prescribing_institution"],
        use_account=data["use_account"],
        account_holder=holder,
    )


def _person_by(form, field: str) -> Person | None:
    person = Person.objects.filter(id_number=normalize(form.cleaned_data[field])).first()
    if person is None:
        form.add_error(field, _("Nobody is registered with this ID number."))
    return person


@role_required(CLERK)
def manual_claim_page(request):
    """手工报销: enter → preview with the explanation → confirm → settlement slip."""
    form = ManualClaimForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        person = _person_by(form, "id_number")
        holder_number = form.cleaned_data["account_holder_id_number"]
        holder = _person_by(form, "account_holder_id_number") if holder_number else None
        if person is not None and (holder is not None or not holder_number):
            claim = _request_from(form, person, holder)
            try:
                if "confirm" in request.POST:
                    settlement, created = settlement_create(request=claim, actor=request.user)
                    if created:
                        messages.success(request, _("Settled."))
                    return redirect("claims:settlement_slip", settlement_id=settlement.pk)
                preview = settlement_preview(request=claim)
            except (ValidationError, DomainError) as exc:
                if getattr(exc, "field", None) == "account_holder":
                    exc.field = "account_holder_id_number"
                apply_error(form, exc)
    return render(request, "claims/manual_claim.html", {"form": form, "preview": preview})


@role_required(CLERK, MANAGER, POLICY_ADMIN)
def settlement_slip_page(request, settlement_id: int):
    """结算单: every figure and the rules applied; printable."""
    settlement = get_object_or_404(
        Settlement.objects.select_related(
            "person", "institution", "policy_version", "account_holder"
        ),
        pk=settlement_id,
    )
    version = settlement.policy_version
    citation = citation_of(version.source, settlement.person.region.name)
    return render(request, "claims/settlement_slip.html", {"s": settlement, "citation": citation})


@role_required(CLERK)
@require_POST
def settlement_reverse_page(request, settlement_id: int):
    settlement = get_object_or_404(Settlement, pk=settlement_id)
    try:
        settlement_reverse(settlement=settlement, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Settlement reversed; the account and year-to-date figures are restored.")
        )
    return redirect("claims:settlement_slip", settlement_id=settlement_id)
