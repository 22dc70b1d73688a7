"""The person import refuses codes, amounts and dates written with digits other than 0-9
(issue 16): the widgets would read ``８０００`` as 8000 and store a code as typed."""

from datetime import date

import pytest
from django.utils import translation

from enrollment.id_numbers import make
from enrollment.imports import import_apply, import_preview
from enrollment.models import Person
from tests.enrollment.test_imports import HEADER, setup, write  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("column", "row"),
    [
        ("contribution_base", "{a},张三,420100,,,,WH001,８０００.00,,2023-01-01,"),
        ("benefits_from", "{a},张三,420100,,,,WH001,8000.00,,٢٠٢٣-01-01,"),
        ("employer_code", "{a},张三,420100,,,,WH００1,8000.00,,2023-01-01,"),
        ("region", "{a},张三,４20100,,,,WH001,8000.00,,2023-01-01,"),
    ],
)
def test_other_digits_are_refused_naming_the_column(tmp_path, column, row):
    good = f"{make('420103', date(1981, 1, 2), 12)},李四,420100,,,,WH001,8000.00,,2023-01-01,"
    bad = row.format(a=make("420102", date(1980, 1, 2), 11))
    path = write(tmp_path, "\n".join([HEADER, good, bad]))
    with translation.override("zh-hans"):
        preview = import_preview(kind="persons", path=path, filename="persons.csv")
        assert not preview.ok
        assert any(
            e["row"] == 3 and e["field"] == column and "半角数字" in e["message"]
            for e in preview.errors()
        ), preview.errors()
        applied = import_apply(kind="persons", path=path, filename="persons.csv")
    assert not applied.applied and not Person.objects.exists()
