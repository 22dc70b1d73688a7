"""A small fuzz of the roster import (``enrollment.imports``): a persons or institutions file
of one good row but for one hostile cell. No answer of the page is a server error, every row
error is in Chinese, and a dry run (the page's check) writes nothing.
``UPLOAD_FUZZ_EXAMPLES`` examples (default 25)."""

import csv
import io
import os
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enrollment.id_numbers import make
from enrollment.imports import import_preview
from enrollment.models import Institution, Person
from enrollment.resources import INSTITUTION_COLUMNS, PERSON_COLUMNS
from policies.models import Region
from policies.services import policies_load_seeds
from staff.errors import DomainError
from tests.factories import EmployerFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("UPLOAD_FUZZ_EXAMPLES", "25"))
CHINESE = re.compile("[\u4e00-\u9fff]")
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "x" * 5000,
            "９" * 18,
            "١٢٣",
            "²",
            "-1",
            "-0.00",
            "1e3",
            "1_000",
            "+5",
            ".5",
            "NaN",
            "Infinity",
            "99999999999999999999.99",
            "1.005",
            "0000-00-00",
            "2026-02-30",
            "20260230",
            "２０２６-01-01",
            "9999-12-31",
            "2099-01-01",
            "=1+1",
            "' OR 1=1 --",
            "\u202e",
            "🏥",
            '"',
            "a,b",
            "line\nbreak",
            "999999",
            "true",
            "是",
        ]
    ),  # fmt: skip
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=30),
)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _csv(columns: list[str], cells: list[str]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(columns)
    writer.writerow(cells)
    return text.getvalue().encode()


@pytest.mark.parametrize("kind", ["persons", "institutions"])
def test_a_roster_file_with_one_hostile_cell(client, tmp_path, kind):
    policies_load_seeds()
    EmployerFactory(code="WH001", region=Region.objects.get(code="420100"))
    client.force_login(UserFactory(roles=["clerk"]))
    if kind == "persons":
        columns = PERSON_COLUMNS
        good = {"id_number": make("420102", date(1980, 1, 2), 11), "name": "张三",
                "region": "420100", "scheme": "employee", "category": "employee",
                "employment": "employer", "employer_code": "WH001",
                "contribution_base": "6000.00", "benefits_from": "2026-01-01", "status": "active"}  # fmt: skip
    else:
        columns = INSTITUTION_COLUMNS
        good = {"code": "H88", "name": "第八医院", "region": "420100", "kind": "hospital",
                "level": "2", "designated": "true"}  # fmt: skip
    row = [good.get(c, "") for c in columns]
    path = tmp_path / "roster.csv"
    path.write_bytes(_csv(columns, row))
    assert import_preview(kind=kind, path=path, filename="roster.csv").error_count == 0

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(column=st.integers(0, len(columns) - 1), value=CELLS)
    def run(column, value):
        cells = list(row)
        cells[column] = value
        content = _csv(columns, cells)
        before = (Person.objects.count(), Institution.objects.count())
        upload = io.BytesIO(content)
        upload.name = "roster.csv"
        page = client.post("/enrollment/import/", {"kind": kind, "file": upload})  # a 500 raises
        assert page.status_code in (200, 400), page.status_code
        path.write_bytes(content)
        try:
            report = import_preview(kind=kind, path=path, filename="roster.csv")
        except DomainError as exc:  # the file as a whole (not text, a column missing)
            assert CHINESE.search(exc.message), exc.message
            return
        for error in (e for r in report.rows for e in r.errors):
            assert CHINESE.search(error["message"]), (columns[column], value, error)
        assert (Person.objects.count(), Institution.objects.count()) == before

    run()
