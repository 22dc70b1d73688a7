"""Clerk pages for chronic/special certifications (慢特病认定)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enrollment.id_numbers import normalize
from enrollment.models import Person
from staff.decorators import role_required
from staff.errors import DomainError
from staff.forms import apply_error
from staff.roles import CLERK, MANAGER, POLICY_ADMIN, user_has_role

from .forms import CertificationApplyForm, DecisionForm
from .models import ChronicCertification
from .selectors import certification_list
from .services import (
    certification_apply,
    certification_approve,
    certification_reject,
    certification_revoke,
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
