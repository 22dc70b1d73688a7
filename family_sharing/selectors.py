"""Reads for family sharing."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from accounts.models import LedgerEntry
from enrollment.models import Person
from policies.params import citation_of
from policies.selectors import policy_for
from staff.errors import DomainError, NotFound

from .models import SharingAuthorisation
from .rules import SharingPolicy


def sharing_policy(*, holder: Person, on: date) -> SharingPolicy:
    """The holder's region's sharing rules in force on ``on`` (the holder's account obeys them)."""
    try:
        version = policy_for(region=holder.region, on_date=on)
    except NotFound as exc:
        raise DomainError(exc.message, field="valid_from") from None
    return SharingPolicy(
        version.document, citation_of(version.source, version.region.name), version.region.name
    )


def authorisation_list() -> QuerySet[SharingAuthorisation]:
    return SharingAuthorisation.objects.select_related(
        "holder", "member", "holder__region", "member__region", "granted_by", "revoked_by"
    )


def authorisations_of(*, person: Person) -> tuple[list, list]:
    """(whom the person shares with as holder, who shares with the person as member)."""
    rows = list(authorisation_list().filter(Q(holder=person) | Q(member=person)))
    return [a for a in rows if a.holder_id == person.pk], [
        a for a in rows if a.member_id == person.pk
    ]


def shared_entries(*, holder: Person, date_from: date | None = None, date_to: date | None = None):
    """The holder's ledger entries made for relatives (shared claims, premiums, their reversals),
    oldest first: the sharing statement (家庭共济明细)."""
    qs = (
        LedgerEntry.objects.filter(account__person=holder, sharing_authorisation__isnull=False)
        .select_related("member", "sharing_authorisation")
        .order_by("created_at", "id")
    )
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs
