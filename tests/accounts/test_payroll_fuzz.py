"""A small fuzz of the payroll page's check (``accounts.payroll_check``): a file of one good row
but for one hostile cell (other digits, a huge text, a NUL, an impossible period, a number
spelled as no clerk writes it, a formula). No answer is a server error; every row error names
its reason in Chinese; a check credits nothing. ``UPLOAD_FUZZ_EXAMPLES`` examples (default 25)."""

import csv
import io
import os
import re
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import LedgerEntry, PayrollRow
from jobs.models import Job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("UPLOAD_FUZZ_EXAMPLES", "25"))
COLUMNS = ["id_number", "name", "employer_code", "period", "contribution_base"]
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
            "0000-00",
            "2026-13",
            "２０２６-10",
            "2099-01",
            "=1+1",
            "@SUM(A1)",
            "' OR 1=1 --",
            "<script>",
            "\u202e",
            "🏥",
            '"',
            "a,b",
            "line\nbreak",
        ]
    ),  # fmt: skip
    st.text(st.characters(blacklist_categories=["Cs"]), max_size=30),
)


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _file(cells: list[str]) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerow(cells)
    file = io.BytesIO(text.getvalue().encode())
    file.name = "payroll.csv"
    return file


def test_a_payroll_file_with_one_hostile_cell(client, person_factory):
    person = person_factory("420100", category="employee", base=Decimal("8000.00"), name="张伟")
    good = [person.id_number, "张伟", "E420100", "2026-10", "8000.00"]
    client.force_login(UserFactory(roles=["clerk"]))
    checked = client.post("/accounts/payroll/", {"file": _file(good)})
    assert checked.status_code == 200 and "payroll-errors" not in checked.content.decode()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(column=st.integers(0, len(COLUMNS) - 1), value=CELLS)
    def run(column, value):
        cells = list(good)
        cells[column] = value
        before = (LedgerEntry.objects.count(), PayrollRow.objects.count(), Job.objects.count())
        response = client.post("/accounts/payroll/", {"file": _file(cells)})  # a 500 raises
        assert response.status_code in (200, 400), response.status_code
        html = response.content.decode()
        table = re.search(r'id="payroll-errors">(.*?)</table>', html, re.S)
        if table:
            for reason in re.findall(r"<td>([^<]*)</td></tr>", table.group(1)):
                assert CHINESE.search(reason), reason
        after = (LedgerEntry.objects.count(), PayrollRow.objects.count(), Job.objects.count())
        assert after == before  # a check credits nothing

    run()
