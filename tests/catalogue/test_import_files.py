"""The catalogue import page's files: the template (Chinese headers, allowed values, code lists;
filled in with the codes or their Chinese names it is accepted as it is) and the error report
of a failed import (each bad row as it was, its column and reason in Chinese, no formulas)."""

import io
import re

import pytest

from catalogue.models import CatalogueItem
from jobs.models import Job
from tests.factories import RegionFactory, UserFactory
from tests.helpers.xlsx import workbook_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    RegionFactory(code="530400", name="玉溪市")
    client.force_login(UserFactory(roles=["clerk"]))
    return client


def _text(sheet) -> str:
    return "\n".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c is not None)


def _upload(client, capture, content: bytes, name: str, dry_run=False):
    file = io.BytesIO(content)
    file.name = name
    data = {"file": file, **({"dry_run": "on"} if dry_run else {})}
    with capture(execute=True):
        response = client.post("/catalogue/upload/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.order_by("-pk").first()


def test_the_template_has_chinese_headers_allowed_values_and_code_lists(clerk):
    page = clerk.get("/catalogue/upload/").content.decode()
    assert 'href="?template=xlsx"' in page and "医保目录编码" in page
    book = workbook_of(clerk.get("/catalogue/upload/?template=xlsx"))
    assert book.sheetnames == ["数据", "填写说明", "收费项目类别", "统筹区"]
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header == (
        "医保目录编码", "目录名称", "目录类别", "收费项目等级", "医疗收费项目类别", "最高限价",
        "自付比例", "有效期起", "有效期止", "统筹区编码",
    )  # fmt: skip
    notes = _text(book["填写说明"])
    for allowed in ("drug（药品）", "material（医用耗材）", "01（甲类）", "02（乙类）", "03（丙类",
                    "09（西药费）", "14（其他费）"):  # fmt: skip
        assert allowed in notes, allowed
    charge_types = list(book["收费项目类别"].iter_rows(values_only=True))
    assert ("01", "床位费") in charge_types and ("12", "一般诊疗费") in charge_types
    assert ("530400", "玉溪市") in list(book["统筹区"].iter_rows(values_only=True))


def test_the_filled_in_template_is_accepted_with_codes_or_chinese_names(
    clerk, django_capture_on_commit_callbacks
):
    book = workbook_of(clerk.get("/catalogue/upload/?template=xlsx"))
    sheet = book.worksheets[0]
    sheet.append(["XJ01", "阿莫西林胶囊", "药品", "甲类", "西药费", 0.52, None, "2024-01-01", None])
    sheet.append(["C14", "一次性注射器", "material", "丙", "08", None, None, None, None])
    sheet.append(["XJ01", "阿莫西林胶囊", "drug", "乙", "09", None, 0.1, None, None, "530400"])
    out = io.BytesIO()
    book.save(out)
    job = _upload(clerk, django_capture_on_commit_callbacks, out.getvalue(), "模板.xlsx")
    assert job.status == "succeeded", job.errors
    item = CatalogueItem.objects.get(code="XJ01")
    assert (item.kind, item.chrgitm_lv, item.med_chrgitm_type) == ("drug", "01", "09")
    assert CatalogueItem.objects.get(code="C14").chrgitm_lv == "03"
    assert item.overrides.get().chrgitm_lv == "02"


def test_a_failed_import_offers_a_report_naming_each_rows_field_and_reason(
    clerk, django_capture_on_commit_callbacks
):
    content = (
        "医保目录编码,目录名称,目录类别,收费项目等级,医疗收费项目类别,最高限价,自付比例,有效期起,有效期止\n"
        "XJ01,阿莫西林胶囊,drug,01,09,0.52,,2024-01-01,\n"
        'X2,=HYPERLINK("http://x"),pill,01,09,,,,\n'
        "X3,名称,drug,04,09,１２,,,\n"
        "XJ01,阿莫西林胶囊,drug,01,09,,,,\n"
    ).encode()
    job = _upload(clerk, django_capture_on_commit_callbacks, content, "目录.csv")
    assert job.status == "failed" and not CatalogueItem.objects.exists()
    report_url = f"/catalogue/upload/?report={job.pk}"
    # Linked from the import page's recent imports and from the job's page.
    assert f'href="?report={job.pk}"' in clerk.get("/catalogue/upload/").content.decode()
    assert report_url.replace("&", "&amp;") in clerk.get(f"/jobs/{job.pk}/").content.decode()
    book = workbook_of(clerk.get(report_url))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "医保目录编码", "目录名称") and rows[0][-1] == "错误原因"
    assert [r[0] for r in rows[1:]] == [3, 4, 5]
    assert rows[1][2] == '=HYPERLINK("http://x")' and rows[1][-1].startswith("目录类别：")
    cell = book.worksheets[0].cell(row=2, column=3)
    assert cell.data_type == "s"  # user text stays text, never a live formula
    assert "收费项目等级：" in rows[2][-1] and "最高限价：" in rows[2][-1]
    assert rows[3][-1].startswith("医保目录编码：") and rows[3][1] == "XJ01"
    assert re.search(r"[\u4e00-\u9fff]", rows[3][-1].split("：", 1)[1])  # the reason in Chinese


def test_a_file_wide_error_has_no_row_and_other_jobs_have_no_report(
    clerk, django_capture_on_commit_callbacks
):
    job = _upload(clerk, django_capture_on_commit_callbacks, b"code,name\nX,Y\n", "bad.csv")
    assert job.status == "failed"
    rows = list(workbook_of(clerk.get(f"/catalogue/upload/?report={job.pk}")).worksheets[0].values)
    assert rows[1][0] is None and "表头" in rows[1][-1]
    good = _upload(
        clerk,
        django_capture_on_commit_callbacks,
        b"code,name,kind,chrgitm_lv,med_chrgitm_type,price_ceiling,selfpay_prop,valid_from,"
        b"valid_to\nX1,Y,drug,01,09,,,,\n",
        "good.csv",
        dry_run=True,
    )
    assert good.status == "succeeded"
    for bad in (str(good.pk), "abc", "１", "99999999", "-1"):
        assert clerk.get(f"/catalogue/upload/?report={bad}").status_code == 404
    client = clerk
    client.force_login(UserFactory(roles=["auditor"]))  # auditors read
    assert client.get(f"/catalogue/upload/?report={job.pk}").status_code == 200
    assert 'id="error-report"' in client.get(f"/jobs/{job.pk}/").content.decode()
    client.force_login(UserFactory(roles=["policy_admin"]))
    assert client.get(f"/catalogue/upload/?report={job.pk}").status_code == 403
    assert 'id="error-report"' not in client.get(f"/jobs/{job.pk}/").content.decode()


def test_the_error_reports_chinese_name_is_sent_as_browsers_read_it(
    clerk, django_capture_on_commit_callbacks
):
    """The report is named after the upload (目录.csv → 目录-errors.xlsx). Written raw into
    ``filename="…"``, a non-ASCII name went out as a MIME encoded word, which browsers do not
    read in Content-Disposition; a quote in a name would break out of the quotes. Now RFC 6266
    (``filename*=utf-8''…``), as Django writes it."""
    from email.message import EmailMessage

    content = "code,name,kind,chrgitm_lv,med_chrgitm_type\nX3,名称,pill,04,09\n".encode()
    job = _upload(clerk, django_capture_on_commit_callbacks, content, "目录.csv")
    assert job.status == "failed"
    disposition = clerk.get(f"/catalogue/upload/?report={job.pk}")["Content-Disposition"]
    assert disposition == "attachment; filename*=utf-8''%E7%9B%AE%E5%BD%95-errors.xlsx"
    header = EmailMessage()
    header["Content-Disposition"] = disposition
    assert header.get_filename() == "目录-errors.xlsx"


def test_a_quote_in_a_download_name_stays_inside_it():
    from email.message import EmailMessage

    from staff.exports import csv_response

    response = csv_response('a"; b=".csv', [["x"]])
    assert response["Content-Disposition"] == 'attachment; filename="a\\"; b=\\".csv"'
    header = EmailMessage()
    header["Content-Disposition"] = response["Content-Disposition"]
    assert (
        header.get_filename() == 'a"; b=".csv'
        and header.get_param("b", header="Content-Disposition") is None
    )
