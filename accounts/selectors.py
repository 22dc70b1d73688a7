"""Reads for personal accounts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet

from enrollment.models import Person

from .models import AnnualStatement, LedgerEntry, PersonalAccount


def account_for(*, person: Person) -> PersonalAccount | None:
    return PersonalAccount.objects.filter(person=person).first()


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def account_entries(
    *, account: PersonalAccount, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[LedgerEntry]:
    entries = account.entries.select_related("created_by").order_by("id")
    if date_from:
        entries = entries.filter(created_at__gte=_start(date_from))
    if date_to:
        entries = entries.filter(created_at__lt=_start(date_to) + timedelta(days=1))
    return entries


def opening_balance(*, account: PersonalAccount, date_from: date | None) -> Decimal:
    if not date_from:
        return Decimal("0.00")
    last = account.entries.filter(created_at__lt=_start(date_from)).order_by("-id").first()
    return last.balance_after if last else Decimal("0.00")


def annual_statements(*, account: PersonalAccount) -> QuerySet[AnnualStatement]:
    return account.statements.order_by("-year")


def payroll_credits(
    *, account: PersonalAccount, period_from: date | None = None, period_to: date | None = None
) -> QuerySet[LedgerEntry]:
    """The account's payroll credits (在职职工按缴费基数划入) by period, oldest first: the
    premium receipt (缴费凭证). Periods are ``YYYY-MM`` text, which orders as dates do."""
    entries = account.entries.filter(kind=LedgerEntry.Kind.PAYROLL_CREDIT).order_by("period", "id")
    if period_from:
        entries = entries.filter(period__gte=f"{period_from:%Y-%m}")
    if period_to:
        entries = entries.filter(period__lte=f"{period_to:%Y-%m}")
    return entries
