"""A small fuzz of the catalogue import (``catalogue.imports``): a file of one good row but for
one hostile cell. No answer is a server error, the job never crashes, every row error names
its reason in Chinese, and a failed file changes nothing. ``UPLOAD_FUZZ_EXAMPLES`` examples
(default 25)."""

import csv
import io
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.models import CatalogueItem, CatalogueOverride
from jobs.models import Job

from .test_import import HEADER, client

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("UPLOAD_FUZZ_EXAMPLES", "25"))
COLUMNS = HEADER.split(",") + ["region"]
GOOD = ["XJ01CAA040A001010100445", "阿莫西林胶囊", "drug", "01", "09", "0.52", "", "2024-01-01",
        "", ""]  # fmt: skip
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
            "1.5",
            "0000-00-00",
            "2026-02-30",
            "２０２６-01-01",
            "9999-12-31",
            "=1+1",
            "' OR 1=1 --",
            "\u202e",
            "🏥",
            '"',
            "a,b",
            "line\nbreak",
            "420100",
            "999999",
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
    file.name = "catalogue.csv"
    return file


def test_a_catalogue_file_with_one_hostile_cell(django_capture_on_commit_callbacks):
    api = client()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
    @given(column=st.integers(0, len(COLUMNS) - 1), value=CELLS)
    def run(column, value):
        cells = list(GOOD)
        cells[column] = value
        before = (CatalogueItem.objects.count(), CatalogueOverride.objects.count())
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/v1/imports/catalogue/", {"file": _file(cells)},
                                format="multipart")  # fmt: skip
        assert response.status_code in (201, 400), response.content
        if response.status_code == 400:
            assert all(CHINESE.search(str(m)) for m in response.json().values()), response.json()
            return
        job = Job.objects.get(pk=response.json()["job"])
        assert job.status in ("succeeded", "failed"), (job.status, job.errors)
        for error in job.errors:
            assert CHINESE.search(error.get("message", "")), error
        if job.status == "failed":
            after = (CatalogueItem.objects.count(), CatalogueOverride.objects.count())
            assert after == before

    run()
