"""Many threads debiting one account at once on PostgreSQL: no overdraw, balance == sum."""

import threading
from decimal import Decimal

from django.db import connection
from django.db.models import Sum

from accounts.models import PersonalAccount
from accounts.services import ledger_post
from staff.errors import DomainError


def test_concurrent_debits_never_overdraw(postgres_tx, person_factory):
    person = person_factory("420100", category="employee", base=Decimal("8000.00"))
    account = PersonalAccount.objects.get(person=person)
    ledger_post(account_id=account.pk, kind="adjustment", amount=Decimal("100.00"))
    outcomes: list[str] = []
    barrier = threading.Barrier(12)

    def debit():
        try:
            barrier.wait()
            ledger_post(account_id=account.pk, kind="claim_debit", amount=Decimal("-15.00"))
            outcomes.append("paid")
        except DomainError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=debit) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    account.refresh_from_db()
    assert outcomes.count("paid") == 6 and outcomes.count("refused") == 6  # 6 × 15 = 90 ≤ 100
    assert account.balance == Decimal("10.00")
    assert account.entries.aggregate(s=Sum("amount"))["s"] == account.balance
    assert list(account.entries.order_by("id").values_list("balance_after", flat=True)) == [
        Decimal("100.00") - 15 * i for i in range(7)
    ]
