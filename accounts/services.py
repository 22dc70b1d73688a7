"""Writes for personal accounts: open accounts, post ledger entries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Person
from policies.selectors import effective_policy, policy_versions
from staff import audit
from staff.errors import Conflict, DomainError, NotFound
from staff.numbers import format_money

from .locks import lock_account
from .models import CREDIT_KINDS, LedgerEntry, PersonalAccount
from .rules import has_account


def _document_for(person: Person, on: date) -> dict | None:
    """The policy in force on ``on``, or else the region's latest (a person may be registered
    before or after a version's dates)."""
    try:
        return effective_policy(region=person.region, on_date=on).document
    except NotFound:
        latest = policy_versions(region=person.region).first()
        return latest.document if latest else None


@transaction.atomic
def account_open(*, person: Person, on: date | None = None) -> PersonalAccount | None:
    """Open the person's account if the region's policy gives them one; idempotent."""
    existing = PersonalAccount.objects.filter(person=person).first()
    if existing is not None:
        return existing
    document = _document_for(person, on or timezone.localdate())
    if document is None or not has_account(
        scheme=person.scheme,
        employment=person.employment,
        category=person.category,
        document=document,
    ):
        return None
    account, _created = PersonalAccount.objects.get_or_create(person=person)
    return account


def accounts_open_missing() -> int:
    """Open the accounts that should exist (after a policy change or for old data)."""
    opened = 0
    for person in Person.objects.filter(scheme="employee", account__isnull=True).iterator():
        if account_open(person=person):
            opened += 1
    return opened


@transaction.atomic
def ledger_post(
    *,
    account_id: int,
    kind: str,
    amount: Decimal,
    period: str = "",
    reference: str = "",
    memo: str = "",
    contribution_base: Decimal | None = None,
    actor=None,
    floor: Decimal = Decimal("0.00"),
) -> LedgerEntry:
    """Append one entry and move the balance, under the account's row lock.

    A debit that would take the balance below ``floor`` (0, or a sharing floor such as Tibet's
    3000.00) is refused; a credit already posted for that kind and period is a conflict."""
    if amount == 0:
        raise DomainError(_("The amount cannot be zero."), field="amount")
    if amount.as_tuple().exponent < -2:
        raise DomainError(_("Amounts have at most two decimal places."), field="amount")
    account = lock_account(account_id)
    new_balance = account.balance + amount
    if amount < 0 and new_balance < floor:
        raise DomainError(
            _("The account holds %(balance)s; %(amount)s cannot be paid from it.")
            % {"balance": format_money(account.balance), "amount": format_money(-amount)},
            field="amount",
        )
    try:
        with transaction.atomic():
            entry = LedgerEntry.objects.create(
                account=account,
                kind=kind,
                amount=amount,
                balance_after=new_balance,
                period=period,
                reference=reference,
                memo=memo,
                contribution_base=contribution_base,
                created_by=actor,
            )
    except IntegrityError:
        if kind in CREDIT_KINDS:
            raise Conflict(
                _("This account was already credited (%(kind)s) for %(period)s.")
                % {"kind": kind, "period": period}
            ) from None
        raise
    account.balance = new_balance
    account.save(update_fields=["balance"])
    audit.record(
        action="accounts.ledgerentry.create",
        obj=entry,
        person_id=account.person_id,
        amount=amount,
        summary=f"{entry.get_kind_display()} {memo or reference}".strip(),
        changes={"balance": [new_balance - amount, new_balance], "period": period},
        actor=actor,
    )
    return entry
