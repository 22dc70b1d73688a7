"""Upload limits and spreadsheet bombs (issue 16): an XLSX of a few hundred KB whose shared
string unpacks to 300 MB, or whose cell is longer than Excel allows, is refused with a clear
message before memory grows; every upload is size-limited, naming the limit."""

import io
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import LedgerEntry
from enrollment.imports import import_preview
from enrollment.models import Person
from jobs.models import Job
from staff.errors import DomainError
from staff.uploads import SpreadsheetRefused, check_spreadsheet
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAYROLL_HEADER = ["id_number", "name", "employer_code", "period", "contribution_base"]
PERSON_HEADER = ["id_number", "name", "region"]
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")


SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def bomb(path: Path, header: list[str], characters: int) -> Path:
    """A valid workbook (header and one row) whose first data cell is a shared string of
    ``characters`` letters, written to the zip in 1 MB pieces (the test never holds it)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    sheet.append(["PLACEHOLDER", *["x"] * (len(header) - 1)])
    plain = io.BytesIO()
    book.save(plain)
    inline = b'<c r="A2" t="inlineStr"><is><t>PLACEHOLDER</t></is></c>'
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert inline in content
                content = content.replace(inline, b'<c r="A2" t="s"><v>0</v></c>')
            elif item.filename == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/>'
                content = content.replace(b"</Types>", override.encode() + b"</Types>")
            out.writestr(item, content)
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
                b' count="1" uniqueCount="1"><si><t>'
            )
            piece = b"A" * MB
            for _ in range(characters // MB):
                part.write(piece)
            part.write(b"A" * (characters % MB))
            part.write(b"</t></si></sst>")
    return path


def test_the_bomb_is_a_real_shared_string(tmp_path):
    path = bomb(tmp_path / "tiny.xlsx", PERSON_HEADER, 1234)
    with zipfile.ZipFile(path) as archive:
        assert "xl/sharedStrings.xml" in archive.namelist()
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(PERSON_HEADER) and rows[1][0] == "A" * 1234


def peak_of(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def big_bomb(tmp_path_factory) -> Path:
    """300 MB of one shared string, about 300 KB on disk (built once: it takes seconds)."""
    return bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", PAYROLL_HEADER, 300 * MB)


def test_a_300_mb_shared_string_is_refused_from_the_zip_directory(big_bomb):
    path = big_bomb
    assert path.stat().st_size < 2 * MB  # about 300 KB on disk

    def run():
        with pytest.raises(DomainError) as refused:
            import_preview(kind="persons", path=path, filename="bomb.xlsx")
        assert refused.value.field == "file"
        assert "200 MB" in refused.value.message

    assert peak_of(run) < 5 * MB
    assert not Person.objects.exists()


def test_a_cell_longer_than_excel_allows_is_refused_while_streaming(tmp_path):
    path = bomb(tmp_path / "cell.xlsx", PERSON_HEADER, 20 * MB)  # under the 200 MB in all

    def run():
        with pytest.raises(SpreadsheetRefused) as refused:
            check_spreadsheet(path)
        assert "32,767" in refused.value.message

    assert peak_of(run) < 5 * MB
    with pytest.raises(DomainError) as refused:
        import_preview(kind="persons", path=path, filename="cell.xlsx")
    assert refused.value.field == "file" and "32,767" in refused.value.message


def test_lowered_limits_apply(tmp_path, settings):
    settings.SPREADSHEET_MAX_UNCOMPRESSED = 64 * 1024
    path = bomb(tmp_path / "small.xlsx", PERSON_HEADER, 100 * 1024)
    with pytest.raises(SpreadsheetRefused, match="64,000 B|65,536 B"):
        check_spreadsheet(path)
    settings.SPREADSHEET_MAX_UNCOMPRESSED = 200 * MB
    settings.SPREADSHEET_MAX_CELL = 1000
    with pytest.raises(SpreadsheetRefused, match="1,000"):
        check_spreadsheet(path)
    settings.SPREADSHEET_MAX_CELL = 200_000
    check_spreadsheet(path)  # within both limits


def clerk_api() -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(roles=['clerk'])).key}"
    )
    return api


def test_the_payroll_api_refuses_a_bomb_at_the_upload(big_bomb, settings):
    with big_bomb.open("rb") as handle:
        response = clerk_api().post(
            "/api/v1/imports/payroll/", {"file": handle}, format="multipart"
        )
    assert response.status_code == 400, response.content
    [message] = response.json()["file"]
    assert "200 MB" in message and "解压" in message
    assert not Job.objects.exists()
    assert not any((Path(settings.MEDIA_ROOT) / "payroll").glob("*"))


def test_the_payroll_job_refuses_a_long_cell_with_bounded_memory(tmp_path):
    path = bomb(tmp_path / "cell.xlsx", PAYROLL_HEADER, 20 * MB)
    with path.open("rb") as handle:
        response = clerk_api().post(
            "/api/v1/imports/payroll/", {"file": handle}, format="multipart"
        )
    assert response.status_code == 201, response.content
    from jobs.services import job_execute

    job = Job.objects.get(pk=response.json()["id"])
    peak = peak_of(lambda: job_execute(job_id=job.pk))
    job.refresh_from_db()
    assert job.status == "failed"
    assert any("32,767" in e["message"] for e in job.errors), job.errors
    assert peak < 10 * MB
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize(
    ("path", "fields"),
    [("/api/v1/imports/payroll/", {}), ("/accounts/payroll/", {}), ("/enrollment/import/", {})],
)
def test_every_upload_is_size_limited_naming_the_limit(client, settings, path, fields):
    settings.UPLOAD_MAX_BYTES = 1000
    clerk = UserFactory(roles=["clerk"])
    client.force_login(clerk)
    content = b"id_number,name,region\n" + b"x" * 2000
    file = io.BytesIO(content)
    file.name = "big.csv"
    data = {"file": file, "kind": "persons", **fields}
    if path.startswith("/api/"):
        response = clerk_api().post(path, data, format="multipart")
        assert response.status_code == 400, response.content
        assert "1,000 B" in response.json()["file"][0]
    else:
        response = client.post(path, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 400
        assert "1,000 B" in response.content.decode()
    # A body far above the limit is refused before anything reads it.
    file = io.BytesIO(b"x" * 200_000)
    file.name = "huge.csv"
    if path.startswith("/api/"):
        response = clerk_api().post(path, {"file": file}, format="multipart")
        assert response.status_code == 413 and "1,000 B" in response.json()["file"][0]
    else:
        response = client.post(path, {"file": file, "kind": "persons"})
        assert response.status_code == 413 and "1,000 B" in response.content.decode()
    assert not Job.objects.exists() and not Person.objects.exists()


@pytest.mark.parametrize(("kind", "folder"), [("payroll_import", "payroll"),
                                              ("catalogue_import", "catalogue")])  # fmt: skip
@pytest.mark.parametrize("name", ["a" * 5000, "a" * 300 + "/b", "x\x00y", ""])
def test_a_job_naming_a_file_the_file_system_refuses_is_a_400(settings, kind, folder, name):
    """A name longer than NAME_MAX under the upload folder: ``Path.is_file`` raised OSError
    (a 500 from ``POST /api/v1/jobs/``). Refused as any file not stored by an upload, in
    Chinese, naming the field; no job is written."""
    from tests.api.test_bad_input import api

    path = f"{settings.MEDIA_ROOT}/{folder}/{name}"
    response = api("clerk").post("/api/v1/jobs/", {"kind": kind, "path": path}, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {
        "file": [f"文件（file）：请通过 /api/v1/imports/{folder}/ 上传文件。"]
    }
    assert not Job.objects.exists()
