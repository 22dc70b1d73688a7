"""What claims tell the apps below them (which cannot import claims)."""

from decimal import Decimal

from django.db.models import Count, Min, Q, Sum

from accounts.models import PersonalAccount
from accounts.year_end import register_statement_figures
from policies.usage import register_span_counter, register_usage_counter

from .models import Accumulator, Settlement


def settled_claims_using(version, on_or_after) -> int:
    """Settled claims that used ``version`` for a visit on or after the day (policies refuse a
    new version starting retroactively before them)."""
    return Settlement.objects.filter(
        policy_version=version, status="settled", visit_date__gte=on_or_after
    ).count()


def settled_claims_in(region_ids, start, end):
    """(count, first visit date) of settled claims of these regions' persons (or reported under
    their policies) with a visit in [start, end]: a version published for a region changes the
    effective policy of its whole subtree."""
    rows = Settlement.objects.filter(
        Q(person__region_id__in=region_ids) | Q(policy_version__region_id__in=region_ids),
        status="settled",
        visit_date__gte=start,
    )
    if end is not None:
        rows = rows.filter(visit_date__lte=end)
    figures = rows.aggregate(n=Count("id"), first=Min("visit_date"))
    return figures["n"], figures["first"]


def statement_figures(year: int, account_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Pooled amount paid and deductible used in ``year``, per account (annual statements)."""
    persons = dict(
        PersonalAccount.objects.filter(pk__in=account_ids).values_list("person_id", "pk")
    )
    rows = (
        Accumulator.objects.filter(year=year, person_id__in=persons)
        .values("person_id")
        .annotate(pooled=Sum("pooled"), deductible=Sum("deductible_used"))
    )
    return {persons[r["person_id"]]: (r["pooled"], r["deductible"]) for r in rows}


def connect() -> None:
    register_usage_counter(settled_claims_using)
    register_span_counter(settled_claims_in)
    register_statement_figures(statement_figures)
