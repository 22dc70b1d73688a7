"""The roster import's numbers (the hostile-input sweep): import-export's DecimalWidget reads
``1e3`` and ``1_000`` with ``Decimal()``; the contribution base was stored as 1000.00."""

import re
from datetime import date

import pytest

from enrollment.id_numbers import make
from enrollment.imports import import_apply, import_preview
from enrollment.models import Person
from tests.enrollment.test_imports import HEADER, setup, write  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("base", ["1e3", "1_000", "+8000", ".5", "NaN", "Infinity", "8000.001"])
def test_a_contribution_base_spelled_as_no_clerk_writes_it_is_refused(tmp_path, base):
    row = f"{make('420102', date(1980, 1, 2), 11)},张三,420100,,,,WH001,{base},,2023-01-01,"
    path = write(tmp_path, "\n".join([HEADER, row]))
    report = import_preview(kind="persons", path=path, filename="persons.csv")
    assert not report.ok
    [bad] = report.rows
    assert [e["field"] for e in bad.errors] == ["contribution_base"], bad.errors
    assert re.search(r"[\u4e00-\u9fff]", bad.errors[0]["message"]), bad.errors  # in Chinese
    assert not import_apply(kind="persons", path=path, filename="persons.csv").applied
    assert not Person.objects.exists()


def test_a_plain_base_is_still_imported(tmp_path):
    row = f"{make('420102', date(1980, 1, 2), 11)},张三,420100,,,,WH001, 8000.5 ,,2023-01-01,"
    path = write(tmp_path, "\n".join([HEADER, row]))
    assert import_apply(kind="persons", path=path, filename="persons.csv").applied
    assert str(Person.objects.get().contribution_base) == "8000.50"
