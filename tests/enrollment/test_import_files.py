"""The import page's templates (Chinese headers, allowed values, code lists; filled in, they
are accepted as they are) and its error report."""

import io
import re
from datetime import date

import pytest
from django.utils import translation

from enrollment.id_numbers import make
from enrollment.imports import import_preview
from policies.services import policies_load_seeds
from tests.factories import EmployerFactory, UserFactory
from tests.helpers.xlsx import workbook_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    policies_load_seeds()
    from policies.models import Region

    EmployerFactory(code="WH001", name="武汉重型机床厂", region=Region.objects.get(code="420100"))
    client.force_login(UserFactory(roles=["clerk"]))
    return client


def test_person_template_lists_headers_values_and_codes(clerk):
    book = workbook_of(clerk.get("/enrollment/import/?template=persons"))
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header[:3] == ("身份证号码", "姓名", "统筹区编码")
    notes = "\n".join(
        str(c) for r in book.worksheets[1].iter_rows(values_only=True) for c in r if c
    )
    assert "retiree（退休人员）" in notes or "retiree（" in notes
    assert "active（" in notes
    regions = [r[0] for r in book.worksheets[2].iter_rows(values_only=True)]
    assert "420100" in regions
    employers = [r[0] for r in book.worksheets[3].iter_rows(values_only=True)]
    assert "WH001" in employers


def test_institution_template(clerk):
    book = workbook_of(clerk.get("/enrollment/import/?template=institutions"))
    header = next(book.worksheets[0].iter_rows(values_only=True))
    assert header == ("机构编码", "机构名称", "统筹区编码", "机构类别", "医院等级", "是否定点")


def test_a_file_with_chinese_headers_is_read(clerk, tmp_path):
    person = make("420102", date(1980, 1, 2), 11)
    path = tmp_path / "p.csv"
    path.write_text(
        "身份证号码,姓名,统筹区编码,单位编码,缴费基数\n" + f"{person},张三,420100,WH001,8000.00\n"
    )
    report = import_preview(kind="persons", path=path, filename="p.csv")
    assert report.ok, report.errors()


def test_the_error_report_has_each_bad_row_and_its_error_in_chinese(clerk):
    good = make("420102", date(1980, 1, 2), 11)
    content = (
        "id_number,name,region,employer_code\n"
        f"{good},张三,420100,WH001\n"
        f"{good[:-1]}{'0' if good[-1] != '0' else '1'},坏校验,420100,WH001\n"
        f"{make('420102', date(1981, 1, 2), 12)},未知地区,999999,WH001\n"
    ).encode()
    upload = io.BytesIO(content)
    upload.name = "persons.csv"
    html = clerk.post("/enrollment/import/", {"kind": "persons", "file": upload}).content.decode()
    token = re.search(r'href="\?report=([0-9a-f]+)"', html).group(1)
    book = workbook_of(clerk.get(f"/enrollment/import/?report={token}"))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "行号" and rows[0][1] == "身份证号码" and rows[0][-1] == "错误原因"
    assert [r[0] for r in rows[1:]] == [3, 4]
    assert rows[1][2] == "坏校验" and rows[1][-1].startswith("身份证号码：")
    assert rows[2][-1].startswith("统筹区编码：")
    assert clerk.get("/enrollment/import/?report=unknown").status_code == 404


@pytest.mark.parametrize(
    ("language", "label"), [("zh-hans", "身份证号码："), ("en", "ID number: ")]
)
def test_the_dry_runs_rows_keep_their_result_whole_and_the_readers_colon(clerk, language, label):
    # 结果 / 错误 were squeezed to a character a line, and the English page read "ID number：".
    good = make("420102", date(1980, 1, 2), 11)
    bad = f"{good[:-1]}{'0' if good[-1] != '0' else '1'}"
    upload = io.BytesIO(
        f"id_number,name,region,employer_code\n{bad},坏校验,420100,WH001\n".encode()
    )
    upload.name = "persons.csv"
    # The reader's language for these requests only (the middleware activates it in
    # this thread; later tests read messages in the default language).
    with translation.override(language):
        clerk.cookies["django_language"] = language
        html = clerk.post(
            "/enrollment/import/", {"kind": "persons", "file": upload}
        ).content.decode()
        assert '<td class="nowrap" data-status>' in html
        assert f'<div class="form-error">{label}' in html
