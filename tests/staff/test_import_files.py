"""Header refusals of the uploaded files name each column as the template writes it, with its
code beside it (a missing column read ``code, kind, chrgitm_lv`` to a clerk filling in the
Chinese template)."""

import pytest
from django.utils import translation

from accounts.payroll import PayrollFileError
from accounts.payroll import _check_header as payroll_header
from catalogue.imports import CatalogueFileError
from catalogue.imports import _check_header as catalogue_header


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
