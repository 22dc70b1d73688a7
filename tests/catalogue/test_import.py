"""Catalogue files: dry run, row errors, all or nothing; search by code, name, initials."""

import io
import re
from decimal import Decimal as D

import openpyxl
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalogue.imports import HEADERS_ZH
from catalogue.models import CatalogueItem, CatalogueOverride, CatalogueRow
from jobs.models import Job
from tests.factories import RegionFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "code,name,kind,chrgitm_lv,med_chrgitm_type,price_ceiling,selfpay_prop,valid_from,valid_to"
GOOD = [
    "XJ01CAA040A001010100445,阿莫西林胶囊,drug,01,09,0.52,,2024-01-01,",
    "ZA09BAA0001010100000,复方丹参滴丸,drug,02,11,,0.05,,",
    "001102000010000,一般诊疗费,service,01,12,10,,,",
    "C14020101,一次性使用无菌注射器,material,03,08,,,,2030-12-31",
]


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def client(role="clerk"):
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(roles=[role])).key}"
    )
    return api


def upload(content: bytes, capture, name="catalogue.csv", dry_run=False) -> Job:
    file = io.BytesIO(content)
    file.name = name
    with capture(execute=True):
        response = client().post(
            "/api/v1/imports/catalogue/",
            {"file": file, "dry_run": "true" if dry_run else "false"},
            format="multipart",
        )
    assert response.status_code == 201, response.content
    return Job.objects.get(pk=response.json()["job"])


def csv_of(*rows, header=HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_dry_run_reports_and_changes_nothing_then_the_file_applies(
    django_capture_on_commit_callbacks,
):
    job = upload(csv_of(*GOOD), django_capture_on_commit_callbacks, dry_run=True)
    assert job.status == "succeeded", job.errors
    assert job.result == {"rows": 4, "dry_run": True, "new": 4, "updated": 0, "overrides": 0}
    assert not CatalogueItem.objects.exists()
    job = upload(csv_of(*GOOD), django_capture_on_commit_callbacks)
    assert job.status == "succeeded" and job.result["new"] == 4
    item = CatalogueItem.objects.get(code="XJ01CAA040A001010100445")
    assert (item.name, item.initials, item.chrgitm_lv, item.price_ceiling) == (
        "阿莫西林胶囊",
        "amxljn",
        "01",
        D("0.52"),
    )
    assert CatalogueItem.objects.get(code="ZA09BAA0001010100000").selfpay_prop == D("0.05")
    assert not CatalogueRow.objects.exists()
    # Again, changed: an update, not a duplicate.
    changed = GOOD[0].replace("0.52", "0.60")
    job = upload(csv_of(changed), django_capture_on_commit_callbacks)
    assert job.result["updated"] == 1 and CatalogueItem.objects.count() == 4
    assert CatalogueItem.objects.get(code="XJ01CAA040A001010100445").price_ceiling == D("0.6")


def test_any_bad_row_fails_the_file_naming_row_and_column(django_capture_on_commit_callbacks):
    bad = [
        GOOD[0],
        "X2,名称,pill,01,09,,,,",  # kind
        "X3,名称,drug,04,09,,,,",  # level
        "X4,名称,drug,01,09,１２,,,",  # full-width digits
        "X5,名称,drug,02,09,,1.5,,",  # proportion above 1
        "X6,名称,drug,02,09,,,2024-13-01,",  # date
        GOOD[0],  # duplicate code
        "X7,名称,drug,01,15,,,,",  # charge type
    ]
    job = upload(csv_of(*bad), django_capture_on_commit_callbacks)
    assert job.status == "failed"
    got = {(e["row"], e["field"]) for e in job.errors}
    assert got == {
        (3, "kind"), (4, "chrgitm_lv"), (5, "price_ceiling"), (6, "selfpay_prop"),
        (7, "valid_from"), (8, "code"), (9, "med_chrgitm_type"),
    }  # fmt: skip
    assert not CatalogueItem.objects.exists()


def test_regional_overrides_and_xlsx(django_capture_on_commit_callbacks):
    RegionFactory(code="530400", name="玉溪市")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER.split(","), "region"])
    sheet.append(
        ["ZA09BAA0001010100000", "复方丹参滴丸", "drug", "02", "11", None, 0.05, None, None, None]
    )
    sheet.append(
        ["ZA09BAA0001010100000", "复方丹参滴丸", "drug", "01", "11", 30, None, None, None, "530400"]
    )
    sheet.append(["NOPE", "无此项", "drug", "01", "11", None, None, None, None, "530400"])
    sheet.append(
        [
            "ZA09BAA0001010100000",
            "复方丹参滴丸",
            "drug",
            "01",
            "11",
            None,
            None,
            None,
            None,
            "999999",
        ]
    )
    out = io.BytesIO()
    book.save(out)
    job = upload(out.getvalue(), django_capture_on_commit_callbacks, name="目录.xlsx")
    assert job.status == "failed"
    assert {(e["row"], e["field"]) for e in job.errors} == {(4, "code"), (5, "region")}
    # An override row's error names its region: code and name, or the code no region has.
    regions = {e["row"]: (e.get("region"), e.get("region_name")) for e in job.errors}
    assert regions == {4: ("530400", "玉溪市"), 5: ("999999", None)}
    sheet.delete_rows(4, 2)
    out = io.BytesIO()
    book.save(out)
    job = upload(out.getvalue(), django_capture_on_commit_callbacks, name="目录.xlsx")
    assert job.status == "succeeded", job.errors
    override = CatalogueOverride.objects.get()
    assert (override.region.code, override.chrgitm_lv, override.price_ceiling) == (
        "530400",
        "01",
        D("30"),
    )


def test_unusable_files_fail_clearly(django_capture_on_commit_callbacks):
    job = upload(b"code,name\nX,Y\n", django_capture_on_commit_callbacks)
    assert job.status == "failed" and "chrgitm_lv" in job.errors[0]["message"]
    job = upload(csv_of(), django_capture_on_commit_callbacks)
    assert job.status == "failed"
    job = upload(b"x", django_capture_on_commit_callbacks, name="a.txt")
    assert job.status == "failed"


def test_search_by_code_name_and_pinyin_initials(django_capture_on_commit_callbacks):
    upload(csv_of(*GOOD), django_capture_on_commit_callbacks)
    api = client("institution")

    def codes(q, **extra):
        response = api.get("/api/v1/catalogue/", {"q": q, **extra})
        assert response.status_code == 200
        return [r["code"] for r in response.json()["results"]]

    assert codes("amxl") == ["XJ01CAA040A001010100445"]
    assert codes("丹参") == ["ZA09BAA0001010100000"]
    assert codes("0011") == ["001102000010000"]
    assert codes("", kind="material") == ["C14020101"]
    assert api.get("/api/v1/catalogue/", {"kind": "pill"}).status_code == 400
    row = api.get("/api/v1/catalogue/", {"q": "ybzlf"}).json()["results"][0]
    assert row["med_chrgitm_type_name"] == "一般诊疗费" and row["price_ceiling"] == "10.000000"


def test_clerk_page_searches(django_capture_on_commit_callbacks, client):
    upload(csv_of(*GOOD), django_capture_on_commit_callbacks)
    client.force_login(UserFactory(roles=["clerk"]))
    page = client.get("/catalogue/", {"q": "ffds"})
    assert page.status_code == 200 and "复方丹参滴丸" in page.content.decode()
    assert "阿莫西林" not in page.content.decode()
    # How many items the search found, as the person search says it.
    assert 'data-count="1">找到 1 条' in page.content.decode()


def test_an_override_row_error_names_its_region_on_the_job_page(
    django_capture_on_commit_callbacks, client
):
    RegionFactory(code="530400", name="玉溪市")
    rows = [GOOD[1], "ZA09BAA0001010100000,复方丹参滴丸,drug,04,11,30,,,,530400"]
    job = upload(csv_of(*rows, header=HEADER + ",region"), django_capture_on_commit_callbacks)
    assert job.status == "failed"
    assert [(e["row"], e["field"], e["region"], e["region_name"]) for e in job.errors] == [
        (3, "chrgitm_lv", "530400", "玉溪市")
    ]
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    row = html.split('<table class="errors">')[1].split("</tr>")[1]
    assert "<td>玉溪市（530400）</td>" in row and "<td>收费项目等级</td>" in row, row


def test_a_failed_file_counts_the_rows_read_and_the_rows_with_errors(
    django_capture_on_commit_callbacks, client
):
    # 3 rows, the second wrong twice (one row with errors) → rows read 3, wrong 1; not the
    # 2 / 2 of the rows that passed.
    rows = [GOOD[0], "X2,名称,pill,04,09,,,,", GOOD[2]]
    job = upload(csv_of(*rows), django_capture_on_commit_callbacks)
    assert job.status == "failed" and len(job.errors) == 2
    assert job.result == {"rows": 3, "error_rows": 1}
    assert (job.progress, job.total) == (3, 3)
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已处理 3 / 3" in html and "行数 3；有错误的行 1" in html
    listing = client.get("/catalogue/upload/").content.decode()
    assert "行数 3；有错误的行 1" in listing.split(f'data-job="{job.pk}"')[1].split("</tr>")[0]
    # A duplicate code (found in SQL) counts its row too.
    job = upload(csv_of(GOOD[0], GOOD[0], GOOD[2]), django_capture_on_commit_callbacks)
    assert job.result == {"rows": 3, "error_rows": 1}


def test_errors_name_the_columns_as_the_template_does(django_capture_on_commit_callbacks, client):
    # The job page names a wrong column by the template's header (目录类别), as the error
    # report does, never by another label for the same code (类型).
    bad = "X2,,pill,04,15,x,2,2024-13-01,2023-01-01,12"
    job = upload(csv_of(bad, header=HEADER + ",region"), django_capture_on_commit_callbacks)
    fields = {e["field"] for e in job.errors}
    assert {"name", "kind", "chrgitm_lv", "med_chrgitm_type", "region"} <= fields, fields
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    table = html.split('<table class="errors">')[1].split("</table>")[0]
    shown = re.findall(r"<tr><td>2</td><td>([^<]*)</td>", table)
    assert shown == [HEADERS_ZH[e["field"]] for e in job.errors], shown
    assert "<td>目录类别</td>" in table and "<td>类型</td>" not in table
    # A message naming its column names it so too (目录类别须为…, not 类别须为…).
    for e in job.errors:
        if e["field"] in ("name", "kind", "chrgitm_lv", "med_chrgitm_type", "region"):
            assert e["message"].startswith(HEADERS_ZH[e["field"]]), e


def test_clerk_list_shows_percents_and_dates_as_other_lists_do(
    django_capture_on_commit_callbacks, client
):
    # The self-pay proportion 0.05 as 5% (never 0.0500), the validity as 2024-01-01 (never
    # 2024年1月1日); an open end is "…", no validity at all "—".
    upload(csv_of(*GOOD), django_capture_on_commit_callbacks)
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get("/catalogue/").content.decode()

    def row(code):
        return html.split(f"<code>{code}</code>")[1].split("</tr>")[0]

    assert '<td class="num">5%</td>' in row("ZA09BAA0001010100000")
    assert "2024-01-01 – …" in row("XJ01CAA040A001010100445")
    assert "… – 2030-12-31" in row("C14020101")
    assert '<td class="nowrap">—</td>' in row("001102000010000")
    assert "0.0500" not in html and "年" not in html.split("<table")[1]
    # The columns and the search are named as in the import template.
    head = html.split("<thead>")[1].split("</thead>")[0]
    for column in ("code", "name", "kind", "chrgitm_lv", "med_chrgitm_type", "price_ceiling"):
        assert f">{HEADERS_ZH[column]}</th>" in head, column
    assert '<label for="id_kind">目录类别：</label>' in html


def test_the_job_page_counts_the_rows_once_in_each_pass(
    django_capture_on_commit_callbacks, client, monkeypatch
):
    """Rows read and checked, then written: a 2-row file is 2 / 2 rows; a dry run writes
    nothing and has no writing pass."""
    from jobs.progress import JobProgress

    seen = []
    real_flush = JobProgress.flush

    def flush(self, force=False):
        seen.append((self.stage, self.progress, self.total))
        real_flush(self, force)

    monkeypatch.setattr(JobProgress, "flush", flush)
    job = upload(csv_of(*GOOD[:2]), django_capture_on_commit_callbacks, dry_run=True)
    assert job.status == "succeeded" and (job.progress, job.total) == (2, 2)
    assert seen == [("check", 0, 0), ("check", 2, 0), ("check", 2, 2)]
    seen.clear()
    job = upload(csv_of(*GOOD[:2]), django_capture_on_commit_callbacks)
    assert job.status == "succeeded" and (job.progress, job.total) == (2, 2)
    assert seen[-2:] == [("apply", 0, 2), ("apply", 2, 2)]
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<span class="figures">已处理 2 / 2 行 · 100%</span>' in html, html
