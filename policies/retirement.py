"""When retiree rules start for a person who retires: one rule, read from the policy document,
used by crediting (accounts) and settlement (claims). Pure: no database.

``account.retiree_credit_from`` is ``next_month`` (Wuhan 第七条: 办理退休手续后从次月起按退休人员
政策执行), ``same_month``, or unset (null) where the document is silent. Unset matters only in
the retirement month itself: before it the person is an employee and from the next month a
retiree under either rule, so only a day inside that month needs the bureau's figure.
"""

from __future__ import annotations

from datetime import date

from .params import require


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), 1 if day.month == 12 else day.month + 1, 1)


def retiree_on(
    day: date, retirement_date: date | None, document: dict, *, region: str = ""
) -> bool:
    """Do retiree rules apply on ``day``? Raises ``UnsetParameter`` only for a day of the
    retirement month when the document leaves the starting month unset."""
    if retirement_date is None:
        return False
    month_start = retirement_date.replace(day=1)
    if day < month_start:
        return False
    if day >= _next_month(retirement_date):
        return True
    rule = require(document, "account.retiree_credit_from", region=region)
    return rule == "same_month"


def retiree_cutoff(first_of_month: date, document: dict) -> tuple[date, bool]:
    """Crediting for the month starting ``first_of_month``: retirees whose retirement date is
    before the returned day are credited as retirees. The flag says the rule is unset, so
    those who retired in this very month wait for the bureau's figure (a fill), not a guess."""
    rule = (document.get("account") or {}).get("retiree_credit_from")
    if rule == "same_month":
        return _next_month(first_of_month), False
    return first_of_month, rule is None
