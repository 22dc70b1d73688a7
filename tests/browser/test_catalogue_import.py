"""The catalogue import in a real browser as the clerk, at 1024 px: the template downloaded
(Chinese headers), filled in and uploaded with a bad row, the failed job's error report
downloaded from the job page (each row's column and reason in Chinese), the same from the import
page's recent imports, then the corrected file applied. Screenshots kept in the test's
directory."""

import pytest
from openpyxl import load_workbook

from catalogue.models import CatalogueItem
from jobs.models import Job
from tests.browser.test_navigation import _errors, _no_sideways_scroll, _sign_in
from tests.factories import RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _download(page, selector: str, path):
    with page.expect_download() as info:
        page.click(selector)
    info.value.save_as(path)
    return load_workbook(path)


@pytest.mark.django_db(transaction=True)
def test_clerk_fills_the_template_reads_the_error_report_and_imports(
    page, live_server, tmp_path, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    RegionFactory(code="530400", name="玉溪市")
    UserFactory(username="clerk", roles=["clerk"])
    errors = _errors(page)
    page.set_viewport_size({"width": 1024, "height": 800})
    _sign_in(page, live_server, "clerk")
    page.locator(".side-menu").get_by_role("link", name="医保目录").click()
    page.click("text=导入医保目录")
    page.wait_for_selector("#catalogue-template")
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "catalogue-upload.png"), full_page=True)

    book = _download(page, "#catalogue-template", tmp_path / "template.xlsx")
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]][:3] == ["医保目录编码", "目录名称", "目录类别"]
    assert "填写说明" in book.sheetnames and "收费项目类别" in book.sheetnames
    sheet.append(["XJ01", "阿莫西林胶囊", "药品", "甲类", "西药费", 0.52, None, "2024-01-01"])
    sheet.append(["X2", "坏等级", "drug", "丁类", "09"])
    book.save(tmp_path / "filled.xlsx")
    page.set_input_files("#id_file", str(tmp_path / "filled.xlsx"))
    page.click("button.primary")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("#error-report")
    job = Job.objects.get()
    assert job.status == "failed" and not CatalogueItem.objects.exists()
    assert "收费项目等级" in page.inner_text("#job-progress")  # the column in Chinese
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "catalogue-failed-job.png"), full_page=True)

    report = _download(page, "#error-report", tmp_path / "report.xlsx")
    rows = list(report.worksheets[0].values)
    assert rows[0][0] == "行号" and rows[0][-1] == "错误原因"
    assert rows[1][0] == 3 and rows[1][2] == "坏等级"
    assert rows[1][-1].startswith("收费项目等级：") and "甲类" in rows[1][-1]

    # The import page lists the failed import with its report.
    page.goto(f"{live_server.url}/catalogue/upload/")
    assert page.locator(f'[data-error-report="{job.pk}"]').count() == 1
    again = _download(page, f'[data-error-report="{job.pk}"]', tmp_path / "report2.xlsx")
    assert list(again.worksheets[0].values) == rows
    page.screenshot(path=str(tmp_path / "catalogue-recent-imports.png"), full_page=True)

    sheet.delete_rows(3)
    book.save(tmp_path / "fixed.xlsx")
    page.set_input_files("#id_file", str(tmp_path / "fixed.xlsx"))
    page.click("button.primary")
    page.wait_for_url("**/jobs/*/")
    page.wait_for_selector("[data-result]")
    assert page.locator("#error-report").count() == 0
    item = CatalogueItem.objects.get()
    assert (item.code, item.kind, item.chrgitm_lv, item.med_chrgitm_type) == (
        "XJ01", "drug", "01", "09",
    )  # fmt: skip
    page.screenshot(path=str(tmp_path / "catalogue-imported.png"), full_page=True)
    assert errors == []
