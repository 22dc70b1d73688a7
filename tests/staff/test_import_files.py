"""Shared import helpers (staff/import_files.py): the row-error bookkeeping both imports' staging
passes share, and header refusals naming each column as the template writes it, with its code
beside it (a missing column read ``code, kind, chrgitm_lv`` to a clerk filling in the Chinese
template)."""

import pytest
from django.utils import translation

from accounts.payroll import PayrollFileError
from accounts.payroll import _check_header as payroll_header
from catalogue.imports import CatalogueFileError
from catalogue.imports import _check_header as catalogue_header
from staff.import_files import RowErrors


def _check(number, raw):
    """A row is wrong when it says so, with as many errors as it asks for."""
    wrong = raw.get("wrong", 0)
    if wrong:
        return None, [{"row": number, "field": "f", "message": "错"} for _ in range(wrong)]
    return {"row": number}, []


def test_a_good_row_is_returned_and_nothing_is_recorded():
    found = RowErrors(limit=3)
    assert found.check(2, {}, _check) == {"row": 2}
    assert (found.errors, found.bad_rows, found.dropped, found.listed()) == ([], set(), 0, [])


def test_errors_are_listed_up_to_the_cap_the_rest_counted_every_wrong_row_numbered():
    found = RowErrors(limit=3, keep=lambda raw: raw["code"])
    for number, wrong in [(2, 2), (3, 0), (4, 1), (5, 2), (6, 1)]:
        found.check(number, {"wrong": wrong, "code": f"C{number}"}, _check)
    # Rows 2 and 4 fill the cap (3 errors); rows 5 and 6 are counted, not listed.
    assert [e["row"] for e in found.errors] == [2, 2, 4]
    assert found.bad_rows == {2, 4, 5, 6} and found.dropped == 3
    # What is kept of a refused row is bounded as its errors are: the rows listed only.
    assert found.kept == {2: "C2", 4: "C4"}
    with translation.override("zh-hans"):
        listed = found.listed()
    assert listed[:3] == found.errors and listed[3] == {"message": "另有 3 条错误未列出。"}


def test_a_row_over_the_cap_still_lists_all_its_errors():
    """The cap is checked before a row, so a row's errors are listed whole (as before)."""
    found = RowErrors(limit=1)
    found.check(2, {"wrong": 3}, _check)
    assert len(found.errors) == 3 and found.dropped == 0


def test_a_catalogue_file_missing_columns_is_refused_naming_them_in_chinese():
    with translation.override("zh-hans"), pytest.raises(CatalogueFileError) as refused:
        catalogue_header(["医保目录编码", "目录名称"])
    message = str(refused.value)
    assert "缺少列：目录类别（kind）" in message and "收费项目等级（chrgitm_lv）" in message
    assert "应恰为：医保目录编码（code），目录名称（name）" in message
    assert "[统筹区编码（region）]" in message


def test_a_payroll_file_missing_columns_is_refused_naming_them_in_chinese():
    with translation.override("zh-hans"), pytest.raises(PayrollFileError) as refused:
        payroll_header(["身份证号码", "姓名", "单位编码"])
    message = str(refused.value)
    assert "缺少列：所属期（period），缴费基数（contribution_base）" in message
