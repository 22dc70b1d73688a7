"""Hostile periods and numbers (issue 16): non-ASCII digits, future months and ``0000-01`` are
refused with a Chinese message naming the field, and nothing is credited."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import LedgerEntry
from jobs.models import Job
from tests.accounts.test_payroll import balance, csv_of, row, upload
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FOREIGN_PERIODS = ["２０２６-10", "٢٠٢٦-10", "2０26-10", "2026-١٠"]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def zhang(person_factory):
    return person_factory("420100", category="employee", base=Decimal("8000.00"), name="张伟")


def manager_api() -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    user = UserFactory(roles=["manager"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


@pytest.mark.parametrize("period", FOREIGN_PERIODS)
def test_payroll_period_with_other_digits_credits_nothing(
    zhang, period, django_capture_on_commit_callbacks
):
    # October once with ASCII digits, then "the same month again" spelled with other digits.
    first = upload(csv_of(row(zhang)), capture=django_capture_on_commit_callbacks)
    assert first.status == "succeeded", first.errors
    assert balance(zhang) == Decimal("160.00")
    job = upload(csv_of(row(zhang, period)), capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    [error] = job.errors
    assert error["field"] == "period" and error["row"] == 2
    # The message names the column as the clerk's template heads it (所属期).
    assert "半角数字" in error["message"] and "所属期" in error["message"]
    assert balance(zhang) == Decimal("160.00")
    assert LedgerEntry.objects.filter(kind="payroll_credit").count() == 1


def test_payroll_in_file_duplicate_with_other_digits_is_refused(
    zhang, django_capture_on_commit_callbacks
):
    job = upload(
        csv_of(row(zhang), row(zhang, "２０２６-１０")), capture=django_capture_on_commit_callbacks
    )
    assert job.status == "failed"
    assert [e["row"] for e in job.errors] == [3]
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("contribution_base", "８０００.00"), ("employer_code", "E４20100")],
)
def test_payroll_amount_and_code_with_other_digits(
    zhang, field, value, django_capture_on_commit_callbacks
):
    values = {"base": value} if field == "contribution_base" else {"employer": value}
    job = upload(csv_of(row(zhang, **values)), capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert [(e["field"], "半角数字" in e["message"]) for e in job.errors] == [(field, True)]
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "base", ["1e3", "1E4", "1_000", "NaN", "Infinity", "-Infinity", "0x10", "+8000"]
)
def test_payroll_base_spelled_as_no_clerk_writes_it_is_refused(
    zhang, base, django_capture_on_commit_callbacks
):
    """``Decimal()`` reads 1e3 and 1_000 as numbers: they were credited as 1000."""
    job = upload(csv_of(row(zhang, base=base)), capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert [(e["field"], e["row"]) for e in job.errors] == [("contribution_base", 2)]
    assert "缴费基数" in job.errors[0]["message"] or "不是数字" in job.errors[0]["message"]
    assert not LedgerEntry.objects.exists()


def test_payroll_base_of_negative_zero_is_stored_as_zero(zhang, django_capture_on_commit_callbacks):
    from accounts.models import PayrollRow
    from accounts.payroll import check_row

    staged, errors = check_row(2, {"id_number": zhang.id_number, "name": zhang.name,
                                   "employer_code": "E420100", "period": "2026-10",
                                   "contribution_base": "-0.00"})  # fmt: skip
    assert not errors and isinstance(staged, PayrollRow)
    assert str(staged.base) == "0.00"


@pytest.mark.parametrize(
    ("period", "says"), [("2099-12", "未来"), ("0000-01", "YYYY-MM"), ("2026-13", "YYYY-MM")]
)
def test_payroll_future_and_impossible_periods(
    zhang, period, says, django_capture_on_commit_callbacks
):
    job = upload(csv_of(row(zhang, period)), capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    [error] = job.errors
    assert error["field"] == "period" and says in error["message"] and period in error["message"]
    assert not LedgerEntry.objects.exists()


def test_payroll_period_before_the_first_policy_names_it(zhang, django_capture_on_commit_callbacks):
    job = upload(csv_of(row(zhang, "1999-01")), capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert [e["field"] for e in job.errors] == ["period"]
    assert "1999-01" in job.errors[0]["message"]
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    "period", [*FOREIGN_PERIODS, "2030-01", "2099-12", "0000-01", "1999-01", "²⁰²⁶-10"]
)
def test_monthly_crediting_refuses_bad_periods_on_the_api(person_factory, period):
    person_factory("540000")
    response = manager_api().post(
        "/api/v1/jobs/", {"kind": "monthly_crediting", "period": period}, format="json"
    )
    assert response.status_code == 400, response.content
    [message] = response.json()["period"]
    assert "period" in message and ("期" in message or "数字" in message), message
    assert not Job.objects.exists() and not LedgerEntry.objects.exists()


def test_monthly_crediting_current_month_is_still_accepted(person_factory):
    person_factory("540000")
    period = f"{timezone.localdate():%Y-%m}"
    response = manager_api().post(
        "/api/v1/jobs/", {"kind": "monthly_crediting", "period": period}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("period", ["２０２６-10", "2030-01", "0000-01"])
def test_credit_accounts_command_refuses_bad_periods(person_factory, period):
    person_factory("540000")
    with pytest.raises(CommandError):
        call_command("credit_accounts", period)
    assert not LedgerEntry.objects.exists()
