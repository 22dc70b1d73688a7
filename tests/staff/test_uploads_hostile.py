"""Hostile uploads (the hostile-input sweep): the catalogue import had neither the size limit
nor the spreadsheet limits the payroll and roster imports have; and a tiny workbook declaring
16,384 columns (``<dimension ref="A1:XFD1048576">``) kept every reader busy for minutes, as
openpyxl pads each row to the declared width and fills in the missing rows."""

import io
import re
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalogue.models import CatalogueItem
from jobs.models import Job
from staff.uploads import SpreadsheetRefused, check_spreadsheet
from tests.factories import UserFactory

from .test_uploads import MB, PAYROLL_HEADER, bomb, peak_of

pytestmark = pytest.mark.django_db

CATALOGUE_HEADER = ["code", "name", "kind", "chrgitm_lv", "med_chrgitm_type", "price_ceiling",
                    "selfpay_prop", "valid_from", "valid_to"]  # fmt: skip


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def wide(path: Path, header: list, row: list, *, dimension="A1:XFD1048576", last=1048576):
    """A workbook of a header and one row, moved to row ``last``, declaring ``dimension``:
    about 5 KB on disk."""
    book = openpyxl.Workbook()
    book.active.append(header)
    book.active.append(row)
    plain = io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = re.sub(r'<dimension ref="[^"]+" ?/>', f'<dimension ref="{dimension}"/>',
                              content.decode())  # fmt: skip
                text = re.sub(r'r="([A-Z]+)2"', rf'r="\g<1>{last}"', text)
                content = text.replace('<row r="2"', f'<row r="{last}"').encode()
            out.writestr(item, content)
    return path


def api(*roles) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    user = UserFactory(roles=list(roles))
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def post(path: str, file: Path, **fields):
    with file.open("rb") as handle:
        return api("clerk", "manager").post(path, {"file": handle, **fields}, format="multipart")


@pytest.mark.parametrize("dimension", ["A1:XFD1048576", "A1:ZZ2"])
def test_a_sheet_declaring_thousands_of_columns_is_refused_before_it_is_read(tmp_path, dimension):
    path = wide(tmp_path / "wide.xlsx", PAYROLL_HEADER, ["x"] * 5, dimension=dimension)
    assert path.stat().st_size < 10_000
    with pytest.raises(SpreadsheetRefused, match="最多读取 200 列"):
        check_spreadsheet(path)


def test_a_cell_far_to_the_right_is_refused_too(tmp_path):
    path = wide(tmp_path / "cell.xlsx", PAYROLL_HEADER, ["x"] * 5, dimension="A1:E2", last=2)
    text = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").decode()
    patched = text.replace('r="E2"', 'r="XFD2"')
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp_path / "far.xlsx", "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            out.writestr(item, patched if item.filename == "xl/worksheets/sheet1.xml" else data)
    with pytest.raises(SpreadsheetRefused, match="XFD"):
        check_spreadsheet(tmp_path / "far.xlsx")


def test_an_ordinary_workbook_with_many_empty_rows_declared_is_still_read(tmp_path):
    path = wide(tmp_path / "tall.xlsx", PAYROLL_HEADER, ["x"] * 5, dimension="A1:E50000",
                last=50000)  # fmt: skip
    check_spreadsheet(path)


@pytest.mark.parametrize(
    ("url", "header"),
    [
        ("/api/v1/imports/payroll/", PAYROLL_HEADER),
        ("/api/v1/imports/catalogue/", CATALOGUE_HEADER),
    ],
)
def test_the_import_jobs_refuse_a_wide_sheet_in_seconds(
    tmp_path, url, header, django_capture_on_commit_callbacks
):
    """Before: the payroll reader was still busy after five minutes on this 5 KB file."""
    path = wide(tmp_path / "wide.xlsx", header, ["x"] * len(header))
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(url, path)
    assert response.status_code == 201, response.content
    job = Job.objects.get(pk=response.json()["id"])
    assert job.status == "failed", job.errors
    assert [e["field"] for e in job.errors] == ["file"]
    assert "XFD" in job.errors[0]["message"] and "200" in job.errors[0]["message"]
    assert time.monotonic() - started < 20
    assert not CatalogueItem.objects.exists()


@pytest.fixture(scope="module")
def big_catalogue_bomb(tmp_path_factory) -> Path:
    return bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", CATALOGUE_HEADER, 300 * MB)


def test_the_catalogue_api_refuses_a_bomb_at_the_upload(big_catalogue_bomb, settings):
    """Before: accepted (201); the job then read 300 MB of shared string whole."""
    response = post("/api/v1/imports/catalogue/", big_catalogue_bomb)
    assert response.status_code == 400, response.content
    [message] = response.json()["file"]
    assert "200 MB" in message and "解压" in message
    assert not Job.objects.exists()
    assert not any((Path(settings.MEDIA_ROOT) / "catalogue").glob("*"))


def test_the_catalogue_page_refuses_a_bomb_at_the_upload(big_catalogue_bomb, client):
    client.force_login(UserFactory(roles=["clerk"]))
    with big_catalogue_bomb.open("rb") as handle:
        page = client.post("/catalogue/upload/", {"file": handle}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400 and "200 MB" in page.content.decode()
    assert not Job.objects.exists()


def test_the_catalogue_job_refuses_a_long_cell_with_bounded_memory(
    tmp_path, django_capture_on_commit_callbacks
):
    path = bomb(tmp_path / "cell.xlsx", CATALOGUE_HEADER, 20 * MB)
    response = post("/api/v1/imports/catalogue/", path)
    assert response.status_code == 201, response.content
    from jobs.services import job_execute

    job = Job.objects.get(pk=response.json()["id"])
    peak = peak_of(lambda: job_execute(job_id=job.pk))
    job.refresh_from_db()
    assert job.status == "failed"
    assert any("32,767" in e["message"] for e in job.errors), job.errors
    assert peak < 10 * MB
    assert not CatalogueItem.objects.exists()


def test_the_catalogue_upload_is_size_limited_naming_the_limit(client, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    file = io.BytesIO(",".join(CATALOGUE_HEADER).encode() + b"\n" + b"x" * 2000)
    file.name = "big.csv"
    response = api("clerk").post("/api/v1/imports/catalogue/", {"file": file}, format="multipart")
    assert response.status_code == 400, response.content
    assert "1,000 B" in response.json()["file"][0]
    client.force_login(UserFactory(roles=["clerk"]))
    file.seek(0)
    page = client.post("/catalogue/upload/", {"file": file}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400 and "1,000 B" in page.content.decode()
    assert not Job.objects.exists()
