"""Payroll files: every row credited base × employee_rate, or nothing and every error listed."""

import io
import re
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings as django_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import LedgerEntry, PayrollRow, PersonalAccount
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


def client():
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(roles=['clerk'])).key}"
    )
    return api


def upload(content: bytes, name="payroll.csv", capture=None) -> Job:
    file = io.BytesIO(content)
    file.name = name
    with capture(execute=True):
        response = client().post("/api/v1/imports/payroll/", {"file": file}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["job"] == response.json()["id"]
    return Job.objects.get(pk=response.json()["job"])


def csv_of(*rows) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def row(person, period="2026-10", base="8000.00", name=None, employer="E420100"):
    return f"{person.id_number},{name or person.name},{employer},{period},{base}"


def balance(person) -> Decimal:
    return PersonalAccount.objects.get(person=person).balance


def test_a_good_file_credits_every_row(staff, django_capture_on_commit_callbacks):
    zhang, wang = staff
    # Wuhan 第五条: 2% of the base. 8000.00 × 0.02 = 160.00; 12345.67 × 0.02 = 246.9134 → 246.91;
    # 12345.75 × 0.02 = 246.915 → 246.92 (half up).
    content = csv_of(
        row(zhang),
        row(zhang, "2026-11"),
        row(wang, base="12345.67"),
        row(wang, "2026-11", base="12345.75"),
    )
    job = upload(content, capture=django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    assert job.result == {
        "rows": 4,
        "credited": 4,
        "skipped_already_credited": 0,
        "amount": "813.83",
    }
    assert balance(zhang) == Decimal("320.00")
    assert balance(wang) == Decimal("246.91") + Decimal("246.92")
    entries = list(LedgerEntry.objects.filter(account__person=wang).order_by("id"))
    assert [e.balance_after for e in entries] == [Decimal("246.91"), Decimal("493.83")]
    assert entries[0].contribution_base == Decimal("12345.67")
    assert not PayrollRow.objects.exists()
    # The same file again: every row is skipped and counted, nothing is doubled.
    again = upload(content, capture=django_capture_on_commit_callbacks)
    assert again.status == "succeeded" and again.result["skipped_already_credited"] == 4
    assert balance(zhang) == Decimal("320.00")


def test_any_bad_row_fails_the_file_with_every_error_and_credits_nothing(
    staff, person_factory, django_capture_on_commit_callbacks
):
    zhang, wang = staff
    flexible = person_factory(
        "420100", category="employee", employment="flexible", base=Decimal("5000.00"), name="杨帆"
    )
    unknown = "420102198001020035"
    content = csv_of(
        row(zhang),  # 2: fine
        row(wang, base="-1.00"),  # 3: negative base
        row(wang, period="2026-13"),  # 4: bad period
        f"{unknown},无名,E420100,2026-10,8000.00",  # 5: unknown person (or checksum)
        row(zhang, name="张三"),  # 6: name mismatch (and duplicate of 2)
        row(wang, employer="OTHER"),  # 7: unknown employer
        row(flexible, employer="E420100"),  # 8: not with that employer, no account
        row(wang, base="1.005"),  # 9: three decimals
    )
    job = upload(content, capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    found = {(e.get("row"), e.get("field")) for e in job.errors}
    expected = {
        (3, "contribution_base"),
        (4, "period"),
        (5, "id_number"),
        (6, "name"),
        (6, "period"),
        (7, "employer_code"),
        (8, "employer_code"),
        (8, "id_number"),
        (9, "contribution_base"),
    }
    assert expected <= found, found
    assert all(e["message"] for e in job.errors)
    assert not LedgerEntry.objects.exists()
    assert balance(zhang) == 0


def test_already_credited_with_a_different_base_is_an_error(
    staff, django_capture_on_commit_callbacks
):
    zhang, _ = staff
    assert (
        upload(csv_of(row(zhang)), capture=django_capture_on_commit_callbacks).status == "succeeded"
    )
    job = upload(csv_of(row(zhang, base="9000.00")), capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert job.errors[0]["row"] == 2 and job.errors[0]["field"] == "contribution_base"
    assert balance(zhang) == Decimal("160.00")


@pytest.mark.parametrize(
    ("content", "name", "fragment"),
    [
        (b"id_number,name\n", "p.csv", "contribution_base"),
        (
            b"id_number,name,employer_code,period,contribution_base,extra\n1,2,3,4,5,6\n",
            "p.csv",
            "extra",
        ),
        (HEADER.encode() + b"\n", "p.csv", "没有数据行"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "p.csv", "CSV"),
        (b"PK\x03\x04garbage", "p.xlsx", "XLSX"),
        (b"hello", "p.txt", ".csv"),
    ],
)
def test_unusable_files_fail_clearly(
    staff, content, name, fragment, django_capture_on_commit_callbacks
):
    job = upload(content, name=name, capture=django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert fragment in job.errors[0]["message"], job.errors


def test_an_empty_upload_is_a_400(staff):
    file = io.BytesIO(b"")
    file.name = "p.csv"
    response = client().post("/api/v1/imports/payroll/", {"file": file}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()
    assert not Job.objects.exists()


def test_gbk_with_bom_and_xlsx(staff, django_capture_on_commit_callbacks):
    zhang, wang = staff
    gbk = csv_of(row(zhang)).decode().encode("gb18030")
    assert upload(gbk, capture=django_capture_on_commit_callbacks).status == "succeeded"
    bom = b"\xef\xbb\xbf" + csv_of(row(wang, base="12345.67"))
    assert upload(bom, capture=django_capture_on_commit_callbacks).status == "succeeded"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([zhang.id_number, zhang.name, "E420100", "2026-11", 8000])
    sheet.append(
        [wang.id_number, wang.name, "E420100", "2026-11", "=6000*2"]
    )  # formula: no cached value
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload(buffer.getvalue(), name="p.xlsx", capture=django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.errors == [
        {"row": 3, "field": "contribution_base", "message": job.errors[0]["message"]}
    ]
    assert "=6000*2" in job.errors[0]["message"]  # says it is a formula never computed
    sheet.cell(row=3, column=5).value = 12000.5
    buffer = io.BytesIO()
    workbook.save(buffer)
    job = upload(buffer.getvalue(), name="p.xlsx", capture=django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    assert balance(wang) == Decimal("246.91") + Decimal("240.01")


def with_computed_values(xlsx: bytes, values: dict[str, str]) -> bytes:
    """The workbook as Excel would save it: each formula cell carries its computed value."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in values.items():
                    kind = "" if re.fullmatch(r"[0-9.]+", value) else ' t="str"'
                    text = re.sub(
                        rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v ?/>',
                        rf'<c r="{ref}"\1{kind}><f>\2</f><v>{value}</v>',
                        text,
                    )
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_xlsx_formulas_are_read_as_excel_computed_them(staff, django_capture_on_commit_callbacks):
    zhang, wang = staff
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append([zhang.id_number, zhang.name, "E420100", "2026-10", "=4000*2"])
    sheet.append([wang.id_number, '="王"&"芳"', "E420100", "2026-10", "=D9+12345.67"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    computed = with_computed_values(
        buffer.getvalue(), {"E2": "8000", "B3": "王芳", "E3": "12345.67"}
    )
    job = upload(computed, name="p.xlsx", capture=django_capture_on_commit_callbacks)
    assert job.status == "succeeded", job.errors
    # 8000 × 2 % = 160.00; 12345.67 × 2 % = 246.9134 → 246.91
    assert (balance(zhang), balance(wang)) == (Decimal("160.00"), Decimal("246.91"))
    # A damaged cell (text where a number is declared) is the file's error, not a crash
    source, out = zipfile.ZipFile(io.BytesIO(computed)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>8000</v>", "<v>八千</v>".encode())
            target.writestr(item, data)
    damaged = out.getvalue()
    job = upload(damaged, name="p.xlsx", capture=django_capture_on_commit_callbacks)
    assert job.status == "failed" and job.errors[0]["field"] == "file", job.errors


def test_only_uploaded_files_can_be_imported(staff):
    from jobs.services import job_create
    from staff.errors import DomainError

    with pytest.raises(DomainError):
        job_create(
            kind="payroll_import",
            parameters={"path": "/etc/passwd"},
            created_by=UserFactory(roles=["clerk"]),
        )
    assert django_settings.MEDIA_ROOT


def test_upload_page_redirects_to_the_job(staff, client, django_capture_on_commit_callbacks):
    zhang, _ = staff
    client.force_login(UserFactory(roles=["clerk"]))
    file = io.BytesIO(csv_of(row(zhang)))
    file.name = "p.csv"
    checked = client.post("/accounts/payroll/", {"file": file}).content.decode()
    assert not Job.objects.exists()  # the page checks first (tests/accounts/test_payroll_check.py)
    token = re.search(r'name="token" value="([0-9a-f]+)"', checked).group(1)
    digest = re.search(r'name="sha256" value="([0-9a-f]+)"', checked).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/payroll/", {"token": token, "sha256": digest})
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.status == "succeeded"


def test_a_failed_file_counts_the_rows_read_and_the_rows_with_errors(
    staff, django_capture_on_commit_callbacks, client
):
    """As the catalogue import counts them: 3 rows read, the second wrong twice (one row with
    errors), a fourth wrong in the registry check (found in SQL); not the 2 / 2 that passed."""
    from tests.factories import UserFactory as Users

    zhang, wang = staff
    content = csv_of(
        row(zhang),
        row(wang, period="２０２６-10", base="1e3"),
        row(wang),
        row(zhang, "2026-11", employer="NOPE"),
    )
    job = upload(content, capture=django_capture_on_commit_callbacks)
    assert job.status == "failed" and len(job.errors) == 3, job.errors
    assert job.result == {"rows": 4, "error_rows": 2}
    assert (job.progress, job.total) == (4, 4)
    assert balance(zhang) == balance(wang) == 0
    client.force_login(Users(roles=["clerk"]))
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已处理 4 / 4" in html and "行数 4；有错误的行 2" in html
    # The payroll kind names a wrong column by the template's header (缴费基数).
    assert "<td>缴费基数</td>" in html, html


def test_the_job_page_counts_the_rows_of_a_two_row_file(
    staff, django_capture_on_commit_callbacks, client, monkeypatch
):
    """The progress counts the file's rows once in each pass (read and checked, then
    credited): a 2-row file is 2 / 2 rows, not the 4 / 4 steps it showed."""
    from jobs.progress import JobProgress
    from tests.factories import UserFactory as Users

    seen = []
    real_flush = JobProgress.flush

    def flush(self, force=False):
        seen.append((self.stage, self.progress, self.total))
        real_flush(self, force)

    monkeypatch.setattr(JobProgress, "flush", flush)
    zhang, wang = staff
    job = upload(csv_of(row(zhang), row(wang)), capture=django_capture_on_commit_callbacks)
    assert job.status == "succeeded" and job.result["credited"] == 2, job.errors
    assert (job.progress, job.total) == (2, 2)
    # Read and checked: 0, then 2 rows of a total known once the file is read; credited: 0
    # of 2, then 2 of 2.
    assert seen == [
        ("check", 0, 0),
        ("check", 2, 0),
        ("check", 2, 2),
        ("credit", 0, 2),
        ("credit", 2, 2),
    ]
    client.force_login(Users(roles=["clerk"]))
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<span class="figures">已处理 2 / 2 行 · 100%</span>' in html, html
    listing = client.get("/jobs/").content.decode()
    assert '<td class="num">2 / 2 行</td>' in listing
    client.cookies["django_language"] = "en"
    english = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<span class="figures">Processed 2 / 2 rows · 100%</span>' in english
    client.cookies["django_language"] = "zh-hans"
    # The same file again: both rows already credited, done as the crediting pass starts.
    seen.clear()
    again = upload(csv_of(row(zhang), row(wang)), capture=django_capture_on_commit_callbacks)
    assert again.result["skipped_already_credited"] == 2
    assert (again.progress, again.total) == (2, 2) and seen[-1] == ("credit", 2, 2)


def test_a_running_payroll_job_names_its_pass(staff, client):
    """While it runs, the page names the pass its figure counts (the live progress)."""
    from django.core.cache import cache

    from jobs.progress import cache_key
    from tests.factories import UserFactory as Users

    user = Users(roles=["clerk"])
    client.force_login(user)
    # The row holds the reading pass's end; the cache the crediting pass's start.
    job = Job.objects.create(
        kind="payroll_import", status="running", progress=2, total=2, created_by=user
    )
    cache.set(cache_key(job), {"progress": 1, "total": 2, "stage": "credit"})
    html = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert '<span class="stage">入账</span>：已处理 1 / 2 行 · 50%' in html, html
    # Still reading: the total is not known, and the bar claims no share.
    cache.set(cache_key(job), {"progress": 1200, "total": 0, "stage": "check"})
    html = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "读取并核对各行</span>：已处理 1,200 行（总数尚未得知）</span>" in html, html
    assert '<progress max="100" aria-label' in html
    client.cookies["django_language"] = "en"
    english = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "Reading and checking the rows</span>: Processed 1,200 rows (total not known yet)" in (
        english
    )


def test_a_row_of_base_0_is_counted_done_though_nothing_is_credited(
    staff, django_capture_on_commit_callbacks
):
    """The crediting pass counts rows, not the entries it writes (PostgreSQL counted these)."""
    zhang, wang = staff
    job = upload(
        csv_of(row(zhang), row(wang, base="0")), capture=django_capture_on_commit_callbacks
    )
    assert job.status == "succeeded" and job.result["credited"] == 1, job.errors
    assert (job.progress, job.total) == (2, 2)
