"""Every export writes user text as text, money as numbers with two places and times on the
bureau's clock, labelled (issue 16: spreadsheet formula injection). ``staff.exports`` is the
one helper; each export is tested through its page."""

import csv
import datetime as dt
import io
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.utils import timezone

from accounts.services import ledger_post
from claims.settlement import settlement_create
from enrollment.resources import InstitutionResource, PersonResource
from staff.exports import csv_value, local_time, xlsx_bytes, zone_label
from tests.claims.test_settlement import _world, request
from tests.factories import InstitutionFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Names and memos that a spreadsheet would run as formulas.
HOSTILE = [
    '=HYPERLINK("http://evil.example","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


def sheet_rows(content: bytes, sheet=None):
    book = openpyxl.load_workbook(io.BytesIO(content))
    return list((book[sheet] if sheet else book.active).iter_rows())


# --- The helper ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE)
def test_csv_text_gets_a_leading_quote(text):
    assert csv_value(text) == "'" + text


@pytest.mark.parametrize("text", HOSTILE)
def test_xlsx_text_is_a_string_cell(text):
    (row,) = sheet_rows(xlsx_bytes([("t", [[text]])]))
    # (XML reads a carriage return back as a line feed.)
    assert row[0].data_type == "s" and row[0].value == text.replace("\r", "\n")


def test_money_is_a_number_with_two_places_and_times_are_beijing_time():
    moment = dt.datetime(2026, 3, 1, 16, 30, 5, 123456, tzinfo=dt.UTC)
    (row,) = sheet_rows(xlsx_bytes([("t", [[D("11705.28000000"), D("-0.005"), moment, 3]])]))
    assert row[0].value == pytest.approx(11705.28) and row[0].number_format == "#,##0.00"
    assert row[1].value == pytest.approx(-0.01)  # half-up at two places
    assert row[2].value == dt.datetime(2026, 3, 2, 0, 30, 5)  # UTC+8
    assert row[3].value == 3
    assert csv_value(D("11705.28000000")) == "11705.28"
    assert csv_value(D("-45.5")) == "-45.50"  # a negative amount is a number, not text
    assert csv_value(moment) == "2026-03-02 00:30:05"
    assert local_time(moment) == dt.datetime(2026, 3, 2, 0, 30, 5)


# --- The account statement (CSV and XLSX) ---------------------------------------------------------
@pytest.fixture
def hostile_world(db):
    person, account, hospital = _world()
    evil_hospital = InstitutionFactory(code="EVIL", name=HOSTILE[1], region=hospital.region)
    entry = ledger_post(
        account_id=account.pk,
        kind="adjustment",
        amount=D("11705.28"),
        reference=HOSTILE[3],
        memo=HOSTILE[0],
    )
    settlement, _ = settlement_create(request=request(person, evil_hospital, "=C1", "300.00"))
    return person, account, entry, settlement


def test_statement_csv_writes_text_as_text(hostile_world, client):
    person, _, entry, _ = hostile_world
    client.force_login(UserFactory(roles=["clerk"]))
    response = client.get(f"/accounts/persons/{person.pk}/statement/?export=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert zone_label() in header[0]
    memos = [row[6] for row in body]
    assert "'" + HOSTILE[0] in memos
    assert any(m.startswith("'+cmd") for m in memos)  # the memo names the institution
    assert "'" + HOSTILE[3] in [row[5] for row in body]
    assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for row in body for cell in row)
    booked = next(row for row in body if row[2] == "11705.28")
    assert booked[0] == timezone.localtime(entry.created_at, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def test_statement_xlsx_writes_text_as_text_and_money_as_numbers(hostile_world, client):
    person, _, entry, _ = hostile_world
    client.force_login(UserFactory(roles=["clerk"]))
    response = client.get(f"/accounts/persons/{person.pk}/statement/?export=xlsx")
    rows = sheet_rows(response.content)
    # Title rows (the statement, its period, the unit), then the header, then the entries.
    head = next(i for i, row in enumerate(rows) if zone_label() in str(row[0].value))
    assert rows[0][1].value == person.name and head == 3
    cells = [cell for row in rows[head + 1 :] for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    booked = next(row for row in rows[head + 1 :] if row[2].value == pytest.approx(11705.28))
    assert booked[2].number_format == "#,##0.00" and isinstance(booked[2].value, int | float)
    assert booked[3].number_format == "#,##0.00"
    assert booked[6].data_type == "s" and booked[6].value == HOSTILE[0]
    assert booked[0].value == timezone.localtime(entry.created_at, SHANGHAI).replace(
        tzinfo=None, microsecond=0
    )


# --- The audit trail -------------------------------------------------------------------------------
def test_audit_xlsx_writes_text_as_text_in_beijing_time(hostile_world, client):
    from staff.models import AuditEvent

    person, *_ = hostile_world
    client.force_login(UserFactory(roles=["auditor"]))
    response = client.get("/audit/", {"person": person.id_number, "export": "xlsx"})
    rows = sheet_rows(response.content)
    assert zone_label() in rows[0][0].value
    cells = [cell for row in rows[1:] for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    summaries = [row[9].value for row in rows[1:]]
    assert any(s and s.startswith("+cmd") for s in summaries)  # "<institution> <claim no.>"
    settled = next(row for row in rows[1:] if row[9].value and row[9].value.startswith("+cmd"))
    assert settled[8].number_format == "#,##0.00"
    event = AuditEvent.objects.filter(summary=settled[9].value).first()
    assert settled[0].value == timezone.localtime(event.at, SHANGHAI).replace(
        tzinfo=None, microsecond=0
    )


# --- The dashboards ---------------------------------------------------------------------------------
def test_dashboard_xlsx_writes_text_as_text_and_money_as_numbers(hostile_world, client):
    from dashboards.summaries import claim_changes_fold

    claim_changes_fold(wait=True)
    client.force_login(UserFactory(roles=["manager"]))
    response = client.get(
        "/dashboards/institutions/", {"start": "2026-01", "end": "2026-06", "export": "xlsx"}
    )
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    named = [c for c in cells if c.value == HOSTILE[1]]
    assert named and all(c.data_type == "s" for c in named)
    money = [c for c in cells if c.number_format == "#,##0.00"]
    assert money and all(isinstance(c.value, int | float) for c in money)
    assert 300 in [c.value for c in money]  # the claim's total, a number
    assert all(
        not (isinstance(c.value, str) and c.value[:1].isdigit() and "." in c.value)
        for c in cells
        if c.row > 2
    )  # no money written as text


# --- The admin's import-export resources ------------------------------------------------------------
def test_admin_exports_of_persons_and_institutions_write_text_as_text(hostile_world):
    from import_export.formats.base_formats import CSV, XLSX

    person, *_ = hostile_world
    person.name = HOSTILE[0]
    person.save()
    for resource in (PersonResource(), InstitutionResource()):
        dataset = resource.export()
        text = CSV().export_data(dataset)
        for row in csv.reader(io.StringIO(text)):
            assert all(not cell.startswith(("=", "+", "@", "\t", "\r")) for cell in row)
        rows = sheet_rows(XLSX().export_data(resource.export()))
        assert all(cell.data_type != "f" for row in rows for cell in row)
    names = [
        row[1] for row in csv.reader(io.StringIO(CSV().export_data(PersonResource().export())))
    ]
    assert "'" + HOSTILE[0] in names
