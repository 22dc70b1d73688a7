"""The ledger: append-only below the ORM, balance == sum(entries), never below zero."""

import contextlib
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import LedgerEntry, PersonalAccount
from accounts.services import ledger_post
from staff.errors import Conflict, DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(person_factory):
    person = person_factory("420100", category="employee", base=Decimal("8000.00"))
    return PersonalAccount.objects.get(person=person)


def test_credit_then_debit_keeps_balance_after(account):
    ledger_post(
        account_id=account.pk,
        kind="payroll_credit",
        amount=Decimal("160.00"),
        period="2026-10",
        contribution_base=Decimal("8000.00"),
    )
    entry = ledger_post(
        account_id=account.pk, kind="claim_debit", amount=Decimal("-60.50"), reference="claim:1"
    )
    account.refresh_from_db()
    assert (entry.balance_after, account.balance) == (Decimal("99.50"), Decimal("99.50"))
    with pytest.raises(DomainError):
        ledger_post(account_id=account.pk, kind="claim_debit", amount=Decimal("-99.51"))
    with pytest.raises(Conflict):
        ledger_post(
            account_id=account.pk, kind="payroll_credit", amount=Decimal("1.00"), period="2026-10"
        )
    account.refresh_from_db()
    assert (
        account.balance
        == Decimal("99.50")
        == account.entries.aggregate(s=Sum("amount"))["s"].quantize(Decimal("0.01"))
    )


def test_entries_cannot_be_updated_or_deleted_even_below_the_orm(account):
    entry = ledger_post(
        account_id=account.pk, kind="adjustment", amount=Decimal("5.00"), memo="开户补记"
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("500.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_ledgerentry SET amount = 1 WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.amount == Decimal("5.00")


def test_database_constraints_back_up_the_code(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonalAccount.objects.filter(pk=account.pk).update(balance=Decimal("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            account=account,
            kind="claim_debit",
            amount=Decimal("10.00"),
            balance_after=Decimal("10.00"),
        )
    ledger_post(
        account_id=account.pk, kind="retiree_credit", amount=Decimal("83.00"), period="2026-11"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            account=account,
            kind="retiree_credit",
            amount=Decimal("83.00"),
            balance_after=Decimal("166.00"),
            period="2026-11",
        )


operations = st.lists(
    st.tuples(
        st.booleans(), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("500.00"), places=2)
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=operations)
def test_random_credits_and_debits_keep_balance_equal_to_the_sum(account, ops):
    for is_credit, amount in ops:
        with contextlib.suppress(DomainError):  # an overdraft is refused; nothing is written
            ledger_post(
                account_id=account.pk,
                kind="adjustment" if is_credit else "claim_debit",
                amount=amount if is_credit else -amount,
            )
    account.refresh_from_db()
    # quantize: on the embedded SQLite default an SQL SUM is a float (PostgreSQL's is exact)
    total = (account.entries.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")).quantize(
        Decimal("0.01")
    )
    assert account.balance == total >= 0
    last = account.entries.order_by("-id").first()
    assert last is None or last.balance_after == account.balance
    assert not account.entries.filter(balance_after__lt=0).exists()


def test_a_refused_debit_states_the_balance_and_the_amount_as_money(account):
    ledger_post(account_id=account.pk, kind="adjustment", amount=Decimal("1500.00"), memo="结转")
    with pytest.raises(DomainError) as refused:
        ledger_post(account_id=account.pk, kind="claim_debit", amount=Decimal("-12345.60"))
    assert "1,500.00" in refused.value.message and "12,345.60" in refused.value.message
