"""Policy pages: parameters in Chinese with articles, unset values highlighted, publishing."""

import json

import pytest

from policies.models import PolicyVersion
from policies.services import policies_load_seeds
from staff.roles import CLERK, POLICY_ADMIN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded():
    policies_load_seeds()


def test_region_list_and_detail(client):
    client.force_login(UserFactory(roles=[CLERK]))
    listing = client.get("/policies/").content.decode()
    assert "包头市" in listing
    # Names and dates keep to one line at 1024 px (内蒙古/自治区 and 包头/市 broke in two).
    assert 'class="depth-1 nowrap">└ <a href="/policies/150200/">包头市</a>' in listing
    html = client.get("/policies/420100/").content.decode()
    assert "年度最高支付限额" in html and "第十六条" in html and "3,500.00 元" in html
    assert 'class="unset-row"' in html  # chronic parameters are unset in Wuhan's rules
    old = client.get("/policies/150200/?on=2022-11-01").content.decode()
    assert "3%" in old


def test_policy_admin_publishes_through_the_form(client):
    client.force_login(UserFactory(roles=[POLICY_ADMIN]))
    form = client.get("/policies/540000/publish/")
    assert form.status_code == 200
    document = PolicyVersion.objects.get(region__code="540000").document
    bad = dict(document, general_outpatient=dict(document["general_outpatient"], annual_cap={}))
    response = client.post(
        "/policies/540000/publish/",
        {"effective_from": "2027-01-01", "source": "新文件", "document": json.dumps(bad)},
    )
    assert response.status_code == 400  # bad input: 4xx, nothing published
    assert "$.general_outpatient.annual_cap" in response.content.decode()
    response = client.post(
        "/policies/540000/publish/",
        {"effective_from": "2027-01-01", "source": "新文件", "document": json.dumps(document)},
    )
    assert response.status_code == 302
    assert PolicyVersion.objects.filter(region__code="540000").count() == 2


def test_clerk_cannot_publish(client):
    client.force_login(UserFactory(roles=[CLERK]))
    assert client.get("/policies/540000/publish/").status_code == 403


def test_region_tree_and_origins(client):
    from datetime import date

    from policies.models import Region
    from policies.services import policy_version_publish, region_create

    chengdu = region_create(code="510100", name="成都市", parent=Region.objects.get(code="510000"))
    policy_version_publish(
        region=chengdu,
        effective_from=date(2022, 2, 1),
        source="成都演示《演示》",
        document={
            "general_outpatient": {"annual_cap": {"employee": "2000.00", "retiree": None}},
            "sources": {"general_outpatient.annual_cap": {"article": "演示条"}},
        },
    )
    client.force_login(UserFactory(roles=[CLERK]))
    listing = client.get("/policies/").content.decode()
    assert 'data-code="510100"' in listing and "depth-1" in listing
    html = client.get("/policies/510100/?on=2026-03-01").content.decode()
    assert 'id="region-tree"' in html and "四川省" in html
    cap = html.split('data-path="general_outpatient.annual_cap.employee"')[1].split("</tr>")[0]
    assert "2,000.00" in cap and "本地区" in cap and "演示条" in cap
    ratio = html.split('data-path="general_outpatient.ratio.employee.1"')[1].split("</tr>")[0]
    assert "继承自上级 510000" in ratio and "第七条" in ratio
    retiree_cap = html.split('data-path="general_outpatient.annual_cap.retiree"')[1]
    assert 'class="unset"' in retiree_cap.split("</tr>")[0]  # unset in both: red


def test_schema_page_is_a_table(client):
    client.force_login(UserFactory(roles=[CLERK]))
    html = client.get("/policies/schema/").content.decode()
    assert 'class="data schema-table"' in html
    assert "general_outpatient.annual_cap.employee" in html and "年度最高支付限额" in html
    assert "金额" in html and "<details>" in html
    # Every parameter has its Chinese name, and a kind given as a list of JSON types is in
    # words (the page showed "later_rule_groups" and "['boolean', 'null']").
    from policies.labels import schema_rows

    rows = {row["path"]: row for row in schema_rows()}
    assert rows["later_rule_groups"]["label"].startswith("待遇另行制定")
    assert rows["general_outpatient.min_level"]["label"] == "最低医疗机构级别"
    assert (
        rows["out_of_region.manual_reimbursement"]["kind"]
        == "是/否（true/false） 或 null（未设定）"
    )
    unnamed = [p for p, row in rows.items() if "=" not in p and row["label"] == p]
    assert unnamed == []
    # An allowed value of null is said in words, not listed as Python's "None"; each code
    # stands beside its Chinese name.
    assert rows["account.retiree_credit_from"]["kind"] == (
        "取值：next_month（退休次月起）、same_month（退休当月起） 或 null（未设定）"
    )
    assert not [p for p, row in rows.items() if "None" in row["kind"]]
    assert "None" not in html.split("<details>")[0]


def test_policy_admin_creates_a_pooling_area(client):
    from policies.models import Region

    client.force_login(UserFactory(roles=[POLICY_ADMIN]))
    bad = client.post("/policies/new/", {"code": "22O100", "name": "长春市", "parent": "220000"})
    assert bad.status_code == 200 and "6位数字" in bad.content.decode()
    response = client.post(
        "/policies/new/", {"code": "220100", "name": "长春市", "parent": "220000"}
    )
    assert response.status_code == 302
    assert Region.objects.get(code="220100").parent.code == "220000"
    client.force_login(UserFactory(roles=[CLERK]))
    assert client.get("/policies/new/").status_code == 403


def test_readings_of_the_text_name_no_json_value_and_keep_short_cells_whole(client):
    # The heading read 对文件的解释性取值（from: interpretation）, a reading without a note ended
    # in a bare colon, and 本地区 / the version's dates broke a character a line.
    import re

    client.force_login(UserFactory(roles=[POLICY_ADMIN]))
    html = client.get("/policies/420100/").content.decode()
    heading = html.split('<ul class="interpretations">')[0].rsplit("<h3>", 1)[1]
    assert "from: interpretation" not in heading and "解释性取值" in heading
    readings = html.split('<ul class="interpretations">')[1].split("</ul>")[0]
    assert not re.search(r"）：</li>", readings)
    assert '<td class="narrow-text">本地区</td>' in html
    assert '<td class="nowrap"><a href="?version=' in html


def test_the_diff_tables_headers_sit_over_their_right_aligned_values():
    from django.template.loader import render_to_string

    row = {"path": "a.b", "label": "标签", "before": "3,000.00 元", "after": "2,500.00 元"}
    html = render_to_string("policies/_diff_table.html", {"preview": {"rows": [row]}})
    head = html.split("</thead>")[0]
    assert head.count('<th class="num">') == 2
