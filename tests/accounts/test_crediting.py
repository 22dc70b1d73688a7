"""Monthly retiree crediting: worked figures from the seeds, idempotency, unset regions."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.crediting import retiree_crediting_run
from accounts.models import LedgerEntry, PersonalAccount
from jobs.models import Job
from jobs.services import job_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def credit_of(person, period="2026-11"):
    entry = LedgerEntry.objects.filter(
        account__person=person, kind="retiree_credit", period=period
    ).first()
    return entry.amount if entry else None


def test_worked_figures_per_method(person_factory):
    wuhan = person_factory("420100")  # 第五条: 83 yuan a month
    wuhan_flexible = person_factory("420100", employment="flexible")  # 第六条: 66 a month
    # Shanghai 主要任务（一）: ≤74: 1680/yr → 1680/12 = 140.00; ≥75: 1890/yr → 157.50.
    # Age in full years on 2026-11-01: born 1952-11-01 → 74; born 1951-11-01 → 75.
    shanghai_74 = person_factory("310000", birth=date(1952, 11, 2))
    shanghai_75 = person_factory("310000", birth=date(1951, 11, 1))
    tibet = person_factory("540000")  # 第十二条: 3600 a year → 300.00 a month
    report = retiree_crediting_run(period="2026-11")
    assert credit_of(wuhan) == Decimal("83.00")
    assert credit_of(wuhan_flexible) == Decimal("66.00")
    assert credit_of(shanghai_74) == Decimal("140.00")
    assert credit_of(shanghai_75) == Decimal("157.50")
    assert credit_of(tibet) == Decimal("300.00")
    assert report.credited == 5
    assert report.amount == Decimal("83.00") + 66 + Decimal("140.00") + Decimal("157.50") + 300
    for account in PersonalAccount.objects.all():
        assert account.balance == account.entries.aggregate(s=Sum("amount"))["s"].quantize(
            Decimal("0.01")
        )


def test_credited_from_the_month_after_retirement(person_factory):
    person = person_factory("420100", retired=date(2026, 10, 15))
    retiree_crediting_run(period="2026-10")
    assert credit_of(person, "2026-10") is None  # retirement month: still an employee
    retiree_crediting_run(period="2026-11")
    assert credit_of(person, "2026-11") == Decimal("83.00")  # 第七条: from the next month


def test_employees_residents_and_no_account_people_are_not_credited(person_factory):
    employee = person_factory("420100", category="employee", base=Decimal("8000.00"))
    resident = person_factory(
        "420100", scheme="resident", category="employee", employment="employer"
    )
    retiree_crediting_run(period="2026-11")
    assert credit_of(employee) is None and credit_of(resident) is None
    assert not PersonalAccount.objects.filter(person=resident).exists()


def test_running_twice_credits_once(person_factory):
    people = [person_factory("420100") for _ in range(7)]
    first = retiree_crediting_run(period="2026-11", chunk_size=3)
    second = retiree_crediting_run(period="2026-11", chunk_size=3)
    assert (first.credited, second.credited, second.already_credited) == (7, 0, 7)
    for person in people:
        assert LedgerEntry.objects.filter(account__person=person).count() == 1
        assert PersonalAccount.objects.get(person=person).balance == Decimal("83.00")
    assert PersonalAccount.objects.aggregate(s=Sum("balance"))["s"].quantize(
        Decimal("0.01")
    ) == Decimal("581.00")


def test_unset_region_is_skipped_and_reported(person_factory, django_capture_on_commit_callbacks):
    baotou = person_factory("150200")  # average pension unset (第四条)
    wuhan = person_factory("420100")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(
            kind="monthly_crediting",
            parameters={"period": "2026-11"},
            created_by=UserFactory(roles=["manager"]),
        )
    job.refresh_from_db()
    assert job.status == Job.Status.PARTIAL
    regions = {e.get("region") for e in job.errors}
    assert {"150200", "220000", "510000", "530400"} <= regions
    baotou_error = next(e for e in job.errors if e.get("region") == "150200")
    assert (
        "account.retiree.average_pension" in baotou_error["message"]
        and "第四条" in baotou_error["message"]
    )
    assert credit_of(baotou) is None and credit_of(wuhan) == Decimal("83.00")


def test_bad_period_is_refused():
    from staff.errors import DomainError

    with pytest.raises(DomainError) as err:
        job_create(
            kind="monthly_crediting",
            parameters={"period": "2026-13"},
            created_by=UserFactory(roles=["manager"]),
        )
    assert err.value.field == "period"


def test_command(person_factory, capsys):
    from django.core.management import call_command

    person_factory("540000")
    call_command("credit_accounts", "2026-11")
    assert "1 credited" in capsys.readouterr().out
