"""Year-end close, the account API and the statement pages."""

import re
from datetime import datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import AnnualStatement, ClosedYear, PersonalAccount
from accounts.services import ledger_post
from accounts.year_end import year_end_close
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


def at(year, month, day):
    return mock.patch.object(
        timezone, "now", return_value=datetime(year, month, day, 10, tzinfo=TZ)
    )


@pytest.fixture
def history(person_factory):
    """An employee's account with movements in 2024 and 2025."""
    person = person_factory("420100", category="employee", base=Decimal("8000.00"))
    account = PersonalAccount.objects.get(person=person)
    PersonalAccount.objects.filter(pk=account.pk).update(opened_at=datetime(2024, 1, 1, tzinfo=TZ))
    with at(2024, 12, 5):
        ledger_post(
            account_id=account.pk,
            kind="payroll_credit",
            amount=Decimal("160.00"),
            period="2024-12",
            contribution_base=Decimal("8000.00"),
        )
    with at(2025, 1, 5):
        ledger_post(
            account_id=account.pk,
            kind="payroll_credit",
            amount=Decimal("170.00"),
            period="2025-01",
            contribution_base=Decimal("8500.00"),
        )
    with at(2025, 3, 9):
        ledger_post(account_id=account.pk, kind="claim_debit", amount=Decimal("-45.50"))
    with at(2025, 6, 1):
        ledger_post(account_id=account.pk, kind="premium_debit", amount=Decimal("-100.00"))
    with at(2025, 7, 1):
        ledger_post(account_id=account.pk, kind="refund", amount=Decimal("10.00"))
    with at(2026, 1, 5):
        ledger_post(
            account_id=account.pk,
            kind="payroll_credit",
            amount=Decimal("170.00"),
            period="2026-01",
            contribution_base=Decimal("8500.00"),
        )
    return person, account


def test_year_end_statement_figures(history):
    person, account = history
    result = year_end_close(year=2025)
    assert result == {"year": 2025, "accounts": 1, "statements_written": 1, "already_closed": False}
    s = AnnualStatement.objects.get(account=account, year=2025)
    assert s.opening_balance == Decimal("160.00")
    assert (s.payroll_credits, s.retiree_credits) == (Decimal("170.00"), Decimal("0.00"))
    assert (s.claim_debits, s.premium_debits, s.other_movements) == (
        Decimal("45.50"),
        Decimal("100.00"),
        Decimal("10.00"),
    )
    # 160.00 + 170.00 − 45.50 − 100.00 + 10.00 = 194.50: the last 2025 entry's balance.
    assert s.closing_balance == Decimal("194.50")
    account.refresh_from_db()
    assert account.balance == Decimal("364.50")  # balances carry over untouched
    again = year_end_close(year=2025)
    assert again["statements_written"] == 0 and again["already_closed"] is True
    assert AnnualStatement.objects.count() == 1 and ClosedYear.objects.filter(year=2025).exists()


def test_year_end_job_refuses_the_current_year(django_capture_on_commit_callbacks):
    from jobs.services import job_create
    from staff.errors import DomainError

    with pytest.raises(DomainError) as err:
        job_create(
            kind="year_end",
            parameters={"year": timezone.localdate().year},
            created_by=UserFactory(roles=["manager"]),
        )
    assert err.value.field == "year"


def test_account_api(history):
    person, _ = history
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(roles=['clerk'])).key}"
    )
    body = api.get(f"/api/v1/persons/{person.pk}/account/").json()
    assert body["balance"] == "364.50"
    assert [e["kind"] for e in body["entries"]][:2] == ["payroll_credit", "payroll_credit"]
    assert set(body["entries"][0]) >= {
        "id",
        "kind",
        "amount",
        "balance_after",
        "period",
        "reference",
        "created_at",
    }
    year = api.get(f"/api/v1/persons/{person.pk}/account/?from=2025-01-01&to=2025-12-31").json()
    assert len(year["entries"]) == 4
    assert api.get(f"/api/v1/persons/{person.pk}/account/?from=2025-02-30").status_code == 400


def test_statement_page_and_exports(history, client):
    person, _ = history
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(
        f"/accounts/persons/{person.pk}/statement/?date_from=2025-01-01&date_to=2025-12-31"
    ).content.decode()
    assert "160.00" in html and "194.50" in html and "data-print" in html
    csv_response = client.get(f"/accounts/persons/{person.pk}/statement/?export=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "-45.50" in csv_response.content.decode("utf-8-sig")
    xlsx = client.get(f"/accounts/persons/{person.pk}/statement/?export=xlsx")
    assert xlsx.content[:2] == b"PK"
    year_end_close(year=2025)
    annual = client.get(f"/accounts/persons/{person.pk}/annual/2025/").content.decode()
    assert "194.50" in annual
    page = client.get(f"/enrollment/persons/{person.pk}/").content.decode()
    assert "data-balance" in page and "364.50" in page


def test_the_statements_movements_add_up_and_each_says_what_it_was(history, client):
    # 2025: 170.00 − 45.50 − 100.00 (+ what the fixture books in July): opening 160.00 plus the
    # total of the movements is the closing balance; an adjustment's memo (why) is shown.
    person, account = history
    ledger_post(
        account_id=account.pk, kind="adjustment", amount=Decimal("10.00"), memo="原系统余额结转"
    )
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(f"/accounts/persons/{person.pk}/statement/").content.decode()
    account.refresh_from_db()
    movement = Decimal(
        re.search(r'id="statement-movement">([-\d,.]+)<', html).group(1).replace(",", "")
    )
    assert movement == account.balance  # the whole history: opening 0.00
    assert "<th>摘要</th>" in html and "原系统余额结转" in html
    # With the memo column the times and periods must not break (2026-12-01 / 11:13).
    assert re.search(r'<td class="nowrap">\d{4}-\d{2}-\d{2} \d{2}:\d{2}</td>', html)
    assert '<td class="nowrap">2025-01</td>' in html


def test_the_annual_statement_prints_as_a_bureau_document(history, client):
    # It printed a bare table: no bureau, number, year, time of printing, balance in words or
    # places to sign and stamp, and its Print button went on the paper.
    person, account = history
    client.force_login(UserFactory(roles=["clerk"]))
    year_end_close(year=2025)
    html = client.get(f"/accounts/persons/{person.pk}/annual/2025/").content.decode()
    document = html.split('data-document="annual-statement"', 1)[1].split("</article>", 1)[0]
    assert "医疗保障局" in document and "2025年度对账单" in document
    assert f"ND-{person.region.code}-{account.pk:08d}-2025" in document
    assert "2025-01-01 至 2025-12-31" in document and "打印时间" in document
    assert "期末余额（大写）：" in document and "（¥" in document
    assert "经办人" in document and "（盖章）" in document
    assert "data-print" not in document  # the button stays off the paper
