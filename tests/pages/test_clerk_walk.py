"""What a walk through the pages as a clerk, a manager and a policy administrator found: words
a bureau's user would not accept on the Chinese pages (an employer's 姓名, an authorisation
正常参保, a draft saved as ``420100 draft``, a half-width full stop after a form error)."""

import re
from pathlib import Path

import pytest

from staff.roles import CLERK, POLICY_ADMIN
from tests.factories import EmployerFactory, InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _headers(html: str) -> list[str]:
    thead = re.search(r"<thead>(.*?)</thead>", html, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", thead)]


@pytest.fixture
def clerk(client):
    client.force_login(UserFactory(roles=[CLERK], last_name="王", first_name="经办"))
    return client


def test_an_organisations_name_is_its_名称_not_a_persons_姓名(clerk, client):
    EmployerFactory(code="WH-1", name="武汉长江航运设备有限公司")
    InstitutionFactory(code="H-1", name="武汉市第五医院")
    assert _headers(clerk.get("/enrollment/employers/").content.decode())[:2] == [
        "单位编码",
        "名称",
    ]
    assert _headers(clerk.get("/enrollment/institutions/").content.decode())[:2] == [
        "机构编码",
        "名称",
    ]
    assert "名称" in clerk.get("/enrollment/employers/new/").content.decode()
    # The payroll file's name column is the person's: 姓名.
    upload = clerk.get("/accounts/payroll/").content.decode()
    assert "name</code>（姓名）" in upload and "（名称）" not in upload
    client.force_login(UserFactory(roles=[POLICY_ADMIN]))
    form = client.get("/policies/new/").content.decode()
    assert re.search(r'<label for="id_name">名称', form)


def test_a_sharing_authorisation_in_force_is_有效_and_names_who_granted_it(clerk):
    from family_sharing.models import SharingAuthorisation

    assert str(SharingAuthorisation.Status.ACTIVE.label) == "有效"
    page = clerk.get("/family-sharing/").content.decode()
    assert ">有效</a>" in page and "正常参保" not in page
    template = Path("templates/family_sharing/list.html").read_text(encoding="utf-8")
    assert "granted_by|display_name" in template and "granted_by.username" not in template


def test_two_decimals_too_many_is_said_in_chinese_with_a_chinese_full_stop(clerk):
    from django.utils.translation import override

    from enrollment.forms import PersonForm

    with override("zh-hans"):
        form = PersonForm(data={"contribution_base": "1234.567"})
        form.is_valid()
        assert form.errors["contribution_base"] == ["小数不能超过 2 位。"]


def test_a_saved_draft_is_named_in_words_not_as_its_code_and_draft(client):
    from policies.services import policies_load_seeds

    policies_load_seeds()
    client.force_login(UserFactory(roles=[POLICY_ADMIN]))
    page = client.get("/policies/420100/publish/").content.decode()
    document = re.search(r'<textarea[^>]*name="document"[^>]*>(.*?)</textarea>', page, re.S)
    from html import unescape

    response = client.post(
        "/policies/420100/publish/",
        {
            "effective_from": "2030-01-01",
            "source": "测试草稿",
            "document": unescape(document.group(1)),
            "draft": "1",
        },
        follow=True,
    )
    shown = response.content.decode()
    assert "草稿已保存（不生效）：武汉市 · 草稿 #" in shown and "（2030-01-01 起）" in shown
    assert " draft " not in shown


def test_the_pooled_totals_first_column_is_the_item_not_a_second_maximum():
    template = Path("templates/claims/_pooled_totals.html").read_text(encoding="utf-8")
    thead = re.search(r"<thead>.*?</thead>", template).group(0)
    assert thead.count('translate "Maximum"') == 1 and 'translate "Pooled-fund item"' in thead


def test_the_import_page_names_a_persons_name_姓名_and_an_institutions_名称(clerk):
    page = clerk.get("/enrollment/import/").content.decode()
    persons, institutions = page.split("机构：", 1) if "机构：" in page else page.split("；", 1)
    assert "name</code>（姓名）" in persons
    assert "name</code>（名称）" in institutions


def test_the_pooled_totals_rows_are_named_in_the_readers_language():
    from django.utils import translation

    from claims.selectors import BUCKET_LABELS

    with translation.override("zh-hans"):
        assert str(BUCKET_LABELS["general_outpatient"]) == "普通门诊统筹"
        assert str(BUCKET_LABELS["general_above_cap"]) == "普通门诊超限额部分"
    with translation.override("en"):
        assert str(BUCKET_LABELS["general_outpatient"]) == "General outpatient pooling"


def test_a_selects_first_option_says_choose_or_none_never_dashes(clerk):
    form = clerk.get("/enrollment/persons/new/").content.decode()
    assert "---------" not in form
    assert re.search(
        r'<select name="region"[^>]*>\s*<option value="" selected>请选择</option>', form
    )
    assert re.search(r'<select name="employer"[^>]*>\s*<option value="" selected>无</option>', form)
    manual = clerk.get("/claims/manual/").content.decode()
    assert "---------" not in manual and ">请选择</option>" in manual
