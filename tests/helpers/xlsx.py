"""Reading the XLSX files the pages hand out (templates, error reports, exports) in tests."""

import io

import openpyxl


def workbook_of(response):
    """The workbook an XLSX download carries (asserting it is one)."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))
