"""Bulk imports: a dry run reports every row; applying is all or nothing."""

import io
import re
from datetime import date

import openpyxl
import pytest

from enrollment.id_numbers import make
from enrollment.imports import import_apply, import_preview
from enrollment.models import Institution, Person
from policies.services import policies_load_seeds
from staff.errors import DomainError
from tests.factories import EmployerFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "id_number,name,region,scheme,category,employment,employer_code,contribution_base,retirement_date,benefits_from,status"


@pytest.fixture(autouse=True)
def setup():
    policies_load_seeds()
    from policies.models import Region

    EmployerFactory(code="WH001", region=Region.objects.get(code="420100"))


def write(tmp_path, text: str, name="persons.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def good_rows():
    a = make("420102", date(1980, 1, 2), 11)
    b = make("420103", date(1955, 5, 5), 22)
    return [
        f"{a},张三,420100,,,,WH001,8000.00,,2023-01-01,",
        f"{b},李四,420100,employee,retiree,employer,WH001,,2015-05-31,2023-01-01,active",
    ]


def test_dry_run_then_apply(tmp_path):
    path = write(tmp_path, "\n".join([HEADER, *good_rows()]))
    preview = import_preview(kind="persons", path=path, filename="persons.csv")
    assert preview.ok and preview.totals() == {"new": 2}
    assert not Person.objects.exists()
    applied = import_apply(kind="persons", path=path, filename="persons.csv")
    assert applied.applied
    assert Person.objects.count() == 2
    assert Person.objects.get(name="李四").category == "retiree"
    again = import_preview(kind="persons", path=path, filename="persons.csv")
    assert again.totals() == {"skip": 2}


def test_every_bad_row_is_named_with_its_column_and_nothing_is_applied(tmp_path):
    bad = [
        f"{make('420102', date(1980, 1, 2), 11)[:-1]}9,坏校验,420100,,,,WH001,8000.00,,,",
        f"{make('420102', date(1981, 1, 2), 12)},未知地区,999999,,,,WH001,8000.00,,,",
        f"{make('420102', date(1982, 1, 2), 13)},负基数,420100,,,,WH001,-5.00,,,",
        f"{make('420102', date(1950, 1, 2), 14)},缺退休日期,420100,,retiree,,WH001,,,,",
        f"{make('420102', date(2001, 1, 2), 15)},居民有单位,420100,resident,,,WH001,,,,",
    ]
    path = write(tmp_path, "\n".join([HEADER, *good_rows(), *bad]))
    report = import_apply(kind="persons", path=path, filename="persons.csv")
    assert not report.applied
    assert not Person.objects.exists()
    errors = {(e["row"], e["field"]) for e in report.errors()}
    assert {
        (4, "id_number"),
        (5, "region"),
        (6, "contribution_base"),
        (7, "retirement_date"),
        (8, "employer_code"),
    } <= errors
    assert all(e["message"] for e in report.errors())


def test_gbk_csv_with_bom_and_xlsx(tmp_path):
    text = "\n".join([HEADER, *good_rows()])
    assert import_preview(
        kind="persons", path=write(tmp_path, text, encoding="gb18030"), filename="a.csv"
    ).ok
    assert import_preview(
        kind="persons", path=write(tmp_path, "\ufeff" + text, name="b.csv"), filename="b.csv"
    ).ok
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in [HEADER, *good_rows()]:
        sheet.append([v or None for v in line.split(",")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx = tmp_path / "p.xlsx"
    xlsx.write_bytes(buffer.getvalue())
    report = import_apply(kind="persons", path=xlsx, filename="p.xlsx")
    assert report.applied, report.errors()
    assert Person.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("", "a.csv", "为空"),
        ("id_number,name\n", "a.csv", "region"),
        (HEADER + ",extra\n", "a.csv", "extra"),
        (HEADER + "\n", "a.csv", "没有数据行"),
        ("x", "a.txt", ".csv"),
    ],
)
def test_unusable_files_are_refused_clearly(tmp_path, content, name, message):
    with pytest.raises(DomainError) as err:
        import_preview(kind="persons", path=write(tmp_path, content, name=name), filename=name)
    assert message in err.value.message
    assert err.value.field == "file"


def test_binary_xlsx_garbage(tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(DomainError):
        import_preview(kind="persons", path=path, filename="x.xlsx")


def test_institutions(tmp_path):
    text = "code,name,region,kind,level,designated\nH9,玉溪市中医医院,530400,hospital,2,1\nP9,一心堂,530400,pharmacy,,1\nH10,无级别医院,530400,hospital,,1\n"
    report = import_apply(
        kind="institutions", path=write(tmp_path, text, name="i.csv"), filename="i.csv"
    )
    assert not report.applied and {(e["row"], e["field"]) for e in report.errors()} == {
        (4, "level")
    }
    ok = text.rsplit("H10", 1)[0]
    assert import_apply(
        kind="institutions", path=write(tmp_path, ok, name="j.csv"), filename="j.csv"
    ).applied
    assert Institution.objects.count() == 2


def test_clerk_import_page_flow(client, tmp_path):
    client.force_login(UserFactory(roles=["clerk"]))
    content = "\n".join([HEADER, *good_rows()]).encode()
    upload = io.BytesIO(content)
    upload.name = "persons.csv"
    page = client.post("/enrollment/import/", {"kind": "persons", "file": upload})
    html = page.content.decode()
    assert page.status_code == 200 and 'name="token"' in html
    token = html.split('name="token" value="')[1].split('"')[0]
    assert not Person.objects.exists()
    done = client.post("/enrollment/import/", {"token": token})
    assert done.status_code == 302
    assert Person.objects.count() == 2
    assert Person.objects.first().history.first().history_user is not None


def test_admin_import_is_available(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/enrollment/person/import/").status_code == 200
    assert client.get("/admin/enrollment/institution/import/").status_code == 200


def test_a_base_or_date_that_is_no_value_is_named_on_its_column_in_chinese(tmp_path):
    # decimal's own error reached the page as [<class 'decimal.ConversionSyntax'>], no column.
    rows = [
        f"{make('420102', date(1980, 1, 2), 31)},甲,420100,,,,WH001,abc,,2023-01-01,",
        f"{make('420102', date(1980, 1, 2), 32)},乙,420100,,,,WH001,8000.00,,2023-02-30,",
    ]
    path = write(tmp_path, "\n".join([HEADER, *rows]))
    report = import_preview(kind="persons", path=path, filename="persons.csv")
    shown = {(e["row"], e["field"]): e["message"] for e in report.errors()}
    assert shown[(2, "contribution_base")] == "缴费基数不是数字：“abc”。"
    assert (3, "benefits_from") in shown
    assert all("<class" not in m and re.search(r"[\u4e00-\u9fff]", m) for m in shown.values())
