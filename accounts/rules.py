"""Who has a personal account, and how much a retiree is credited (pure: no database).

Every figure comes from the policy document; an unset parameter raises ``UnsetParameter``
naming it and its article, so nobody is credited a made-up amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from policies.params import UnsetParameter, require, require_decimal
from policies.retirement import retiree_cutoff as _cutoff
from policies.schema import source_for

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def no_account_employments(document: dict, *, category: str) -> tuple[str, ...]:
    """The employments the document gives no account (``account.no_account``), for a person of
    ``category``: a flexible worker who has retired keeps one where the region pays flexible
    retirees a monthly amount (Wuhan 第六条)."""
    account = document.get("account") or {}
    no_account = account.get("no_account") or []
    if category == "retiree" and account.get("flexible_retiree_monthly") is not None:
        no_account = [e for e in no_account if e != "flexible"]
    return tuple(no_account)


def has_account(*, scheme: str, employment: str, category: str, document: dict) -> bool:
    """Employee-scheme persons have an account unless the document's ``no_account`` names
    their employment (``no_account_employments``)."""
    if scheme != "employee":
        return False
    return employment not in no_account_employments(document, category=category)


def retiree_cutoff(first_of_month: date, document: dict) -> date:
    """Retirees whose retirement date is before this day are credited as retirees for the
    month starting ``first_of_month``: the one rule of ``policies.retirement`` (the region's
    ``account.retiree_credit_from``; unset: only those retired before this month)."""
    return _cutoff(first_of_month, document)[0]


@dataclass(frozen=True)
class RetireeBand:
    """Retirees born in (born_after, born_on_or_before] get ``monthly`` this period."""

    monthly: Decimal
    born_after: date | None
    born_on_or_before: date | None
    flexible: bool
    rule: str


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def retiree_bands(document: dict, first_of_month: date, *, region: str = "") -> list[RetireeBand]:
    """The monthly retiree credit of a region for one period, as birth-date bands.

    Methods (DESIGN.md): ``monthly {amount}``; ``annual {amount}`` credited as amount/12;
    ``annual_by_age {bands}`` with the age in full years on the 1st of the month;
    ``pension_share {average_pension, rate}``. Flexible-employment retirees get
    ``flexible_retiree_monthly`` where the region sets it. Each amount is rounded to the cent,
    half up."""
    bands: list[RetireeBand] = []
    method = require(document, "account.retiree.method", region=region)
    if method == "monthly":
        amount = money(require_decimal(document, "account.retiree.amount", region=region))
        bands.append(RetireeBand(amount, None, None, False, "account.retiree.amount"))
    elif method == "annual":
        annual = require_decimal(document, "account.retiree.amount", region=region)
        bands.append(RetireeBand(money(annual / 12), None, None, False, "account.retiree.amount"))
    elif method == "pension_share":
        average = require_decimal(document, "account.retiree.average_pension", region=region)
        rate = require_decimal(document, "account.retiree.rate", region=region)
        bands.append(RetireeBand(money(average * rate), None, None, False, "account.retiree"))
    elif method == "annual_by_age":
        for i, band in enumerate(require(document, "account.retiree.bands", region=region)):
            if band["annual"] is None:
                source = source_for(document, "account.retiree.bands") or {}
                raise UnsetParameter(
                    f"account.retiree.bands[{i}].annual",
                    region=region,
                    article=source.get("article", ""),
                )
            annual = Decimal(band["annual"])
            # age >= min  <=>  born on or before first - min years
            born_on_or_before = _years_before(first_of_month, band["min_age"])
            born_after = (
                _years_before(first_of_month, band["max_age"] + 1)
                if band["max_age"] is not None
                else None
            )
            bands.append(
                RetireeBand(
                    money(annual / 12),
                    born_after,
                    born_on_or_before,
                    False,
                    "account.retiree.bands",
                )
            )
    flexible = (document.get("account") or {}).get("flexible_retiree_monthly")
    if flexible is not None:
        bands.append(
            RetireeBand(
                money(Decimal(flexible)), None, None, True, "account.flexible_retiree_monthly"
            )
        )
    return bands
