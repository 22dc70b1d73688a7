"""The payroll page checks first (totals per employer, rows with errors, nothing credited),
then 确认入账 credits exactly the file checked; templates and error reports."""

import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from accounts.models import LedgerEntry, PayrollRow, PersonalAccount
from accounts.payroll_check import payroll_check
from jobs.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "id_number,name,employer_code,period,contribution_base"


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def staff(person_factory):
    zhang = person_factory("420100", category="employee", base=Decimal("8000.00"), name="张伟")
    wang = person_factory("420100", category="employee", base=Decimal("12345.67"), name="王芳")
    return zhang, wang


@pytest.fixture
def clerk(client):
    client.force_login(UserFactory(roles=["clerk"]))
    return client


def csv_of(*rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def row(person, period="2026-10", base="8000.00", name=None, employer="E420100"):
    return f"{person.id_number},{name or person.name},{employer},{period},{base}"


def post(clerk, content, name="p.csv"):
    file = io.BytesIO(content)
    file.name = name
    return clerk.post("/accounts/payroll/", {"file": file})


def _token(html):
    return re.search(r'name="token" value="([0-9a-f]+)"', html).group(1)


def _sha(html):
    return re.search(r'name="sha256" value="([0-9a-f]+)"', html).group(1)


def test_the_check_shows_totals_per_employer_and_credits_nothing(staff, clerk):
    zhang, wang = staff
    content = csv_of(row(zhang), row(wang, base="12345.75"))
    response = post(clerk, content)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-ok="true"' in html and "确认入账" in html
    # 8000.00 × 2% = 160.00; 12345.75 × 2% = 246.915 → 246.92 (half up): 406.92.
    assert '<td class="num" id="payroll-total-amount">406.92</td>' in html
    assert "20,345.75" in html and "E420100" in html and "单位420100" in html
    assert not LedgerEntry.objects.exists() and not Job.objects.exists()
    assert not PayrollRow.objects.exists()  # the check's staging rows are gone


def test_confirm_credits_exactly_what_was_checked(staff, clerk, django_capture_on_commit_callbacks):
    zhang, wang = staff
    html = post(clerk, csv_of(row(zhang), row(wang, base="12345.67"))).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk.post("/accounts/payroll/", {"token": _token(html), "sha256": _sha(html)})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.status == "succeeded", job.errors
    assert job.parameters["sha256"] == _sha(html)
    assert PersonalAccount.objects.get(person=zhang).balance == Decimal("160.00")
    # The same check cannot be confirmed twice.
    again = clerk.post("/accounts/payroll/", {"token": _token(html), "sha256": _sha(html)})
    assert again.status_code == 302 and Job.objects.count() == 1


def test_a_file_changed_after_the_check_is_refused(staff, clerk, settings):
    zhang, _ = staff
    html = post(clerk, csv_of(row(zhang))).content.decode()
    (stored,) = (Path(settings.MEDIA_ROOT) / "payroll").iterdir()
    stored.write_bytes(csv_of(row(zhang, base="90000.00")))
    response = clerk.post("/accounts/payroll/", {"token": _token(html), "sha256": _sha(html)})
    assert response.status_code == 409
    assert "核对" in response.content.decode()
    assert not Job.objects.exists() and not LedgerEntry.objects.exists()


def test_the_job_refuses_a_file_that_changed_after_confirming(staff, clerk, settings):
    from jobs.services import job_execute

    zhang, _ = staff
    html = post(clerk, csv_of(row(zhang))).content.decode()
    response = clerk.post("/accounts/payroll/", {"token": _token(html), "sha256": _sha(html)})
    job = Job.objects.get()
    assert response.status_code == 302
    Path(job.parameters["path"]).write_bytes(csv_of(row(zhang, base="90000.00")))
    Job.objects.filter(pk=job.pk).update(status="queued")
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and "核对" in job.errors[0]["message"]
    assert not LedgerEntry.objects.exists()


def test_errors_are_listed_with_a_report_and_no_confirm_button(staff, clerk):
    zhang, wang = staff
    content = csv_of(row(zhang), row(wang, name="李四"), row(zhang, period="2026-13"))
    html = post(clerk, content).content.decode()
    assert 'data-ok="false"' in html and "确认入账" not in html
    assert "2 个错误：不会入账" in html
    assert "姓名" in html  # the column of the name mismatch, in Chinese
    token = re.search(r'href="\?report=([0-9a-f]+)"', html).group(1)
    report = clerk.get(f"/accounts/payroll/?report={token}")
    assert report.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(report.content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "行号" and rows[0][-1] == "错误原因" and "身份证号码" in rows[0]
    assert [r[0] for r in rows[1:]] == [3, 4]
    assert "李四" in rows[1] and "姓名" in rows[1][-1]
    assert "所属期" in rows[2][-1]


def test_the_error_report_writes_a_formula_looking_cell_as_text(staff, clerk):
    """The report echoes the rows as written: a name ``=1+1`` (refused, it is not the person's
    name) comes back as a text cell, never a live formula."""
    zhang, _wang = staff
    name = "=1+1"
    html = post(clerk, csv_of(row(zhang, name=name))).content.decode()
    token = re.search(r'href="\?report=([0-9a-f]+)"', html).group(1)
    report = clerk.get(f"/accounts/payroll/?report={token}")
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).worksheets[0]
    cells = [c for r in sheet.iter_rows(min_row=2) for c in r if c.value == name]
    assert cells and all(c.data_type == "s" for c in cells)


def test_an_unknown_report_token_is_a_404(clerk):
    assert clerk.get("/accounts/payroll/?report=nothing").status_code == 404


def test_the_template_has_chinese_headers_notes_and_is_accepted_back(staff, clerk):
    zhang, _ = staff
    response = clerk.get("/accounts/payroll/?template=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header == ("身份证号码", "姓名", "单位编码", "所属期", "缴费基数")
    notes = [r for r in book.worksheets[1].iter_rows(values_only=True) if r and r[0]]
    assert any("YYYY-MM" in (r[2] or "") for r in notes[1:])
    assert any(r and r[0] == "E420100" for r in book.worksheets[2].iter_rows(values_only=True))
    # Filled in with Chinese headers, it is read like the coded header.
    check = payroll_check_of(csv_of(row(zhang), header="身份证号码,姓名,单位编码,所属期,缴费基数"))
    assert check.ok and check.totals()["amount"] == Decimal("160.00")


def payroll_check_of(content: bytes):
    from django.conf import settings

    folder = Path(settings.MEDIA_ROOT) / "payroll"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "x.csv"
    path.write_bytes(content)
    return payroll_check(path=path, filename="x.csv")


def test_already_credited_rows_are_counted_as_skipped(
    staff, clerk, django_capture_on_commit_callbacks
):
    zhang, _ = staff
    html = post(clerk, csv_of(row(zhang))).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        clerk.post("/accounts/payroll/", {"token": _token(html), "sha256": _sha(html)})
    check = payroll_check_of(csv_of(row(zhang)))
    assert check.ok and check.totals()["skipped"] == 1 and check.totals()["amount"] == 0


def test_a_row_refused_for_its_format_is_counted_in_its_employers_totals(staff, clerk):
    """A base that is no number is refused before staging: the dry run's rows and rows with
    errors still add up to what was read (3 rows, 1 with errors), in its employer's row."""
    zhang, wang = staff
    content = csv_of(row(zhang), row(wang, base="abc"), row(zhang, period="2026-09"))
    html = post(clerk, content).content.decode()
    assert "3 行" in html and "1 个错误：不会入账" in html
    table = re.search(r'<table class="data" id="payroll-totals">.*?</table>', html, re.S).group(0)
    body = re.findall(r'<td class="num">([\d,]+)</td>', table.split("<tfoot>")[0])
    # rows, to credit, skipped, errors of the one group (E420100, 在职职工)
    assert body[:4] == ["3", "2", "0", "1"]
    footer = re.findall(r'<td class="num"[^>]*>([\d,.]+)</td>', table.split("<tfoot>")[1])
    assert footer[:4] == ["3", "2", "0", "1"]


def test_the_check_reads_the_file_once_and_still_counts_the_refused_rows(staff, monkeypatch):
    """The rows refused for their format (never staged) are counted in their employer's group
    from what the staging pass kept of them: the file is not read a second time."""
    import accounts.payroll as payroll
    import accounts.payroll_check as module

    zhang, wang = staff
    reads = []
    real = payroll.iter_file

    def counted(path, filename):
        reads.append(filename)
        return real(path, filename)

    monkeypatch.setattr(payroll, "iter_file", counted)
    monkeypatch.setattr(module, "iter_file", counted, raising=False)  # a second reading here
    content = csv_of(
        row(zhang),
        row(wang, base="abc"),
        row(wang, period="2026-13", employer="E999999"),
        row(zhang, period="2026-09"),
    )
    check = payroll_check_of(content)
    assert reads == ["x.csv"]
    assert check.rows == 4 and check.error_rows == 2
    groups = {(g["employer_code"], g["category"]): g for g in check.groups}
    # wang's refused row in E420100 (his category found by the ID number as written); the
    # one with an unknown employer code in a group of its own, its employer unnamed.
    assert groups[("E420100", "employee")]["rows"] == 3
    assert groups[("E420100", "employee")]["errors"] == 1
    assert groups[("E999999", "employee")]["rows"] == groups[("E999999", "employee")]["errors"] == 1
    assert groups[("E999999", "employee")]["employer_name"] == ""
    assert check.totals()["rows"] == 4
