"""A 200,000-row payroll file with one bad row: the job names that row and credits nobody;
the corrected file credits all 200,000 once, exactly (PostgreSQL, the real job path)."""

import io
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db.models import Count, Sum

from accounts.models import LedgerEntry, PayrollRow, PersonalAccount
from enrollment.id_numbers import make
from enrollment.models import Employer
from policies.models import Region
from policies.services import policies_load_seeds
from tests.accounts.test_payroll import HEADER, upload
from tests.helpers.bulk import bulk_employees

pytestmark = pytest.mark.slow
ROWS = 200_000
BAD_ROW = 123_457  # the file's row number (the header is row 1)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def employees(n: int) -> list[tuple[str, str]]:
    """``n`` Wuhan employees of one employer with accounts; their (ID number, base)."""
    policies_load_seeds()
    wuhan = Region.objects.get(code="420100")
    employer = Employer.objects.create(code="E200K", name="武汉二十万人公司", region=wuhan)
    return bulk_employees(employer, n)


def payroll_file(rows: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    out.write(HEADER + "\n")
    for number, base in rows:
        out.write(f"{number},职工,E200K,2026-10,{base}\n")
    return out.getvalue().encode()


def test_200000_rows_one_bad_then_corrected(postgres, django_capture_on_commit_callbacks):
    staff = employees(ROWS)
    rows = list(staff)
    unknown = make("420102", date(1969, 12, 31), 1)  # valid checksum, nobody registered
    rows[BAD_ROW - 2] = (unknown, rows[BAD_ROW - 2][1])

    job = upload(payroll_file(rows), capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert [(e["row"], e["field"]) for e in job.errors] == [(BAD_ROW, "id_number")], job.errors
    assert job.errors[0]["message"]
    assert not LedgerEntry.objects.exists()
    assert not PersonalAccount.objects.exclude(balance=0).exists()
    assert not PayrollRow.objects.exists()

    job = upload(payroll_file(staff), capture=django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors[:3]
    # Wuhan 第五条: 2 % of each base, rounded half up to the fen, summed over 200,000 rows
    expected = sum(
        (Decimal(base) * Decimal("0.02")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for _, base in staff
    )
    assert job.result["rows"] == job.result["credited"] == ROWS
    assert Decimal(job.result["amount"]) == expected
    assert PersonalAccount.objects.aggregate(s=Sum("balance"))["s"] == expected
    twice = LedgerEntry.objects.values("account_id").annotate(n=Count("id")).filter(n__gt=1)
    assert LedgerEntry.objects.count() == ROWS and not twice.exists()
