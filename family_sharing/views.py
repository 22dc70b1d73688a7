"""Clerk pages for family sharing (家庭共济): the list, grant, revoke, premium payments and the
holder's sharing statement."""

from decimal import Decimal

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PersonalAccount
from enrollment.id_numbers import normalize
from enrollment.models import Person
from staff.decorators import role_required
from staff.errors import DomainError
from staff.forms import form_page
from staff.numbers import format_money
from staff.paginator import Paginator
from staff.roles import CLERK, MANAGER

from .forms import GrantForm, PeriodForm, PremiumForm, RevokeForm
from .models import SharingAuthorisation
from .selectors import authorisation_list, authorisations_of, shared_entries, sharing_policy
from .services import premium_pay, sharing_grant, sharing_revoke


@role_required(CLERK, MANAGER)
def sharing_list_page(request):
    status = request.GET.get("status", "active")
    qs = authorisation_list()
    if status in SharingAuthorisation.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "family_sharing/list.html",
        {"page": page, "status": status, "statuses": SharingAuthorisation.Status.choices},
    )


@role_required(CLERK)
def sharing_grant_page(request, person_id: int):
    holder = get_object_or_404(Person.objects.select_related("region"), pk=person_id)
    form = GrantForm(request.POST or None)

    def grant(data):
        member = Person.objects.filter(id_number=normalize(data["member_id_number"])).first()
        if member is None:
            raise DomainError(
                _("Nobody is registered with this ID number."), field="member_id_number"
            )
        try:
            return sharing_grant(
                holder=holder,
                member=member,
                relation=data["relation"],
                proof_kind=data["proof_kind"],
                proof_number=data["proof_number"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                actor=request.user,
            )
        except DomainError as exc:
            if exc.field == "member":
                exc.field = "member_id_number"
            raise

    return form_page(
        request,
        form,
        action=grant,
        success=_("Family sharing granted."),
        redirect_to=reverse("enrollment:person_detail", args=[holder.pk]),
        title=_("Grant family sharing"),
        context={"person": holder},
    )


@role_required(CLERK)
def sharing_revoke_page(request, authorisation_id: int):
    authorisation = get_object_or_404(authorisation_list(), pk=authorisation_id)
    return form_page(
        request,
        RevokeForm(request.POST or None),
        action=lambda data: sharing_revoke(
            authorisation=authorisation, reason=data["reason"], actor=request.user
        ),
        success=_("Family sharing revoked."),
        redirect_to=reverse("enrollment:person_detail", args=[authorisation.holder_id]),
        title=_("Revoke family sharing: %(member)s") % {"member": authorisation.member.name},
        context={"person": authorisation.holder},
    )


@role_required(CLERK)
def premium_pay_page(request, authorisation_id: int):
    authorisation = get_object_or_404(authorisation_list(), pk=authorisation_id)
    form = PremiumForm(request.POST or None, initial={"year": timezone.localdate().year})
    return form_page(
        request,
        form,
        action=lambda data: premium_pay(authorisation=authorisation, actor=request.user, **data),
        success=lambda p: _("Premium paid: %(amount)s yuan.") % {"amount": format_money(p.amount)},
        redirect_to=reverse("family_sharing:statement", args=[authorisation.holder_id]),
        title=_("Pay a premium for %(member)s from the account")
        % {"member": authorisation.member.name},
        context={"person": authorisation.holder, "intro": _premium_intro(authorisation.holder)},
    )


def _premium_intro(holder: Person) -> str:
    """What the clerk needs before typing an amount: the account's balance and what it must
    keep (the page asked for an amount and only a refusal told either)."""
    account = PersonalAccount.objects.filter(person=holder).first()
    balance = account.balance if account else Decimal("0.00")
    try:
        policy = sharing_policy(holder=holder, on=timezone.localdate())
        floor = policy.floor()
    except DomainError:  # no policy in force, or its floor unset (UnsetParameter)
        return _("Account balance: %(balance)s yuan.") % {"balance": format_money(balance)}
    return _(
        "Account balance: %(balance)s yuan; it must keep %(floor)s yuan (%(cite)s), so at most "
        "%(most)s yuan can be paid from it."
    ) % {
        "balance": format_money(balance),
        "floor": format_money(floor),
        "cite": policy.cite("min_residual_balance"),
        "most": format_money(max(balance - floor, Decimal("0.00"))),
    }


@role_required(CLERK, MANAGER)
def sharing_statement_page(request, person_id: int):
    """家庭共济使用明细: a printable bureau document of the holder's authorisations and what the
    holder's account paid for relatives in the range, with totals per relative and in words."""
    holder = get_object_or_404(Person.objects.select_related("region"), pk=person_id)
    form = PeriodForm(request.GET or None)
    period = form.cleaned_data if form.is_valid() else {}
    refused = form.is_bound and not form.is_valid()  # errors and no document (as the statement)
    date_from, date_to = period.get("date_from"), period.get("date_to")
    entries = (
        [] if refused else list(shared_entries(holder=holder, date_from=date_from, date_to=date_to))
    )
    totals: dict = {}
    for e in entries:
        totals[e.member] = totals.get(e.member, Decimal("0.00")) - e.amount
    granted = [
        a
        for a in authorisations_of(person=holder)[0]
        if (date_to is None or a.valid_from <= date_to)
        and (date_from is None or a.valid_to is None or a.valid_to >= date_from)
    ]
    return render(
        request,
        "family_sharing/statement.html",
        {
            "person": holder,
            "form": form,
            "entries": entries,
            "totals": totals.items(),
            "total": sum(totals.values(), Decimal("0.00")),
            "authorisations": granted,
            "range_from": date_from.isoformat() if date_from else "",
            "range_to": date_to.isoformat() if date_to else "",
            # The number names the holder and the range, so a reprint of the same range
            # carries the same number.
            "number": f"GJ-{holder.region.code}-{holder.pk:08d}-"
            f"{f'{date_from:%Y%m%d}' if date_from else '0'}-"
            f"{date_to or timezone.localdate():%Y%m%d}",
            "refused": refused,
        },
        status=400 if refused else 200,
    )
