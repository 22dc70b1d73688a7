"""The region tree, bounds, amendments (splits), fills and drafts over the API
(DESIGN.md "Contract additions (second round)")."""

import copy
from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from policies.models import PolicyDraft, PolicyVersion, Region
from policies.selectors import effective_policy
from policies.services import policies_load_seeds
from staff.roles import CLERK, POLICY_ADMIN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHENGDU_CAP = {
    "general_outpatient": {"annual_cap": {"employee": "2000.00", "retiree": "2500.00"}},
    "sources": {
        "general_outpatient.annual_cap": {
            "article": "演示",
            "note": "演示数值，非种子文件所载（成都市未随种子提供文件）",
        }
    },
}


@pytest.fixture(autouse=True)
def seeded():
    policies_load_seeds()


def api(*roles) -> APIClient:
    client = APIClient()
    user = UserFactory(roles=list(roles))
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def create_region(code, name, parent):
    response = api(POLICY_ADMIN).post(
        "/api/v1/regions/", {"code": code, "name": name, "parent": parent}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def publish(code, document, start, source="示范文件", end=None, client=None):
    body = {"effective_from": start, "source": source, "document": document}
    if end:
        body["effective_to"] = end
    return (client or api(POLICY_ADMIN)).post(
        f"/api/v1/regions/{code}/policies/", body, format="json"
    )


# --- The tree ---------------------------------------------------------------------------------


def test_create_a_pooling_area_under_a_framework():
    assert create_region("510100", "成都市", "510000") == {
        "code": "510100", "name": "成都市", "name_en": "", "parent": "510000",
    }  # fmt: skip
    listed = api(CLERK).get("/api/v1/regions/").json()
    assert {"code": "510100", "name": "成都市", "name_en": "", "parent": "510000"} in listed
    # Refusals: a clerk; a code that is not six ASCII digits; a duplicate; an unknown parent.
    clerk = api(CLERK).post("/api/v1/regions/", {"code": "510300", "name": "自贡市"}, format="json")
    assert clerk.status_code == 403
    for code in ("51010", "５１０３００", "51030a"):
        bad = api(POLICY_ADMIN).post(
            "/api/v1/regions/", {"code": code, "name": "某市", "parent": "510000"}, format="json"
        )
        assert bad.status_code == 400 and "code" in bad.json(), code
    again = api(POLICY_ADMIN).post(
        "/api/v1/regions/", {"code": "510100", "name": "成都市", "parent": "510000"}, format="json"
    )
    assert again.status_code == 409
    orphan = api(POLICY_ADMIN).post(
        "/api/v1/regions/", {"code": "510300", "name": "自贡市", "parent": "519999"}, format="json"
    )
    assert orphan.status_code == 404
    assert not Region.objects.filter(code="510300").exists()


def test_effective_policy_of_a_child_names_what_it_inherits():
    create_region("510100", "成都市", "510000")
    # Before Chengdu publishes anything, it has Sichuan's policy, all of it inherited.
    before = api(CLERK).get("/api/v1/regions/510100/policy/?on=2026-03-01").json()
    assert before["region"] == "510100"
    assert before["document"]["general_outpatient"]["annual_cap"]["employee"] is None
    assert before["inherited"]["general_outpatient.deductible.employee"] == "510000"
    assert publish("510100", CHENGDU_CAP, "2022-02-01").status_code == 201
    body = api(CLERK).get("/api/v1/regions/510100/policy/?on=2026-03-01").json()
    go = body["document"]["general_outpatient"]
    assert go["annual_cap"] == {"employee": "2000.00", "retiree": "2500.00"}
    assert go["deductible"] == {"employee": "200.00", "retiree": "150.00"}  # 川办发 第七条
    assert "general_outpatient.annual_cap.employee" not in body["inherited"]
    assert body["inherited"]["general_outpatient.ratio.employee.1"] == "510000"
    # Sichuan itself, and a sibling, are untouched by Chengdu's cap.
    create_region("510700", "绵阳市", "510000")
    sibling = api(CLERK).get("/api/v1/regions/510700/policy/?on=2026-03-01").json()
    assert sibling["document"]["general_outpatient"]["annual_cap"]["employee"] is None
    sichuan = api(CLERK).get("/api/v1/regions/510000/policy/?on=2026-03-01").json()
    assert sichuan["document"]["general_outpatient"]["annual_cap"]["employee"] is None


def test_a_child_of_a_region_without_policy_has_none():
    create_region("530100", "昆明市", "530000")
    response = api(CLERK).get("/api/v1/regions/530100/policy/?on=2026-03-01")
    assert response.status_code == 404


# --- Bounds, per seeded framework ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "bound"),
    [
        ("general_outpatient.annual_cap.employee", "2500.00", "2000.00"),
        ("general_outpatient.deductible.retiree", "350.00", "300.00"),
        ("chronic.cap_max", "7000.00", "6500.00"),
        ("general_outpatient.annual_cap.retiree", "unlimited", "2000.00"),
    ],
)
def test_jilin_ceilings_refuse_a_changchun_value_above_them(path, value, bound):
    create_region("220100", "长春市", "220000")
    document: dict = {"sources": {path: {"article": "长春示范"}}}
    node = document
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    response = publish("220100", document, "2023-01-01")
    assert response.status_code == 400, response.content
    message = response.json()["parameters"][path]
    assert value in message and bound in message
    assert "吉医保联〔2022〕22号" in message and "二（" in message
    assert not PolicyVersion.objects.filter(region__code="220100").exists()


def test_jilin_values_within_the_ceilings_are_published():
    create_region("220100", "长春市", "220000")
    document = {
        "general_outpatient": {"annual_cap": {"employee": "2000.00", "retiree": "1800.00"}},
        "chronic": {"cap_max": "6500.00", "ratio": "0.70"},
        "sources": {"general_outpatient.annual_cap": {"article": "长春示范"}},
    }
    response = publish("220100", document, "2023-01-01")
    assert response.status_code == 201, response.content


@pytest.mark.parametrize(
    ("level", "value", "ok"),
    [("1", "0.70", True), ("1", "0.64", False), ("3", "0.61", False), ("pharmacy", "0.55", True)],
)
def test_sichuan_retiree_uplift_5_to_10_points(level, value, ok):
    create_region("510100", "成都市", "510000")
    document = copy.deepcopy(CHENGDU_CAP)
    document["general_outpatient"]["ratio"] = {"retiree": {level: value}}
    response = publish("510100", document, "2022-02-01")
    assert (response.status_code == 201) is ok, response.content
    if not ok:
        message = response.json()["parameters"][f"general_outpatient.ratio.retiree.{level}"]
        assert "川办发〔2021〕85号" in message and "第七条" in message


def test_an_invalid_child_value_names_its_path():
    create_region("510100", "成都市", "510000")
    document = copy.deepcopy(CHENGDU_CAP)
    document["general_outpatient"]["annual_cap"]["employee"] = "lots"
    response = publish("510100", document, "2022-02-01")
    assert response.status_code == 400
    assert "general_outpatient.annual_cap.employee" in response.json()["parameters"]


# --- Amendments (splits) ------------------------------------------------------------------------


def _wuhan(**changes):
    document = copy.deepcopy(PolicyVersion.objects.get(region__code="420100").document)
    document["general_outpatient"]["annual_cap"]["employee"] = "4000.00"
    return document


def test_an_amendment_inside_an_open_version_splits_it():
    response = publish("420100", _wuhan(), "2025-07-01", source="武医保〔2025〕1号")
    assert response.status_code == 201, response.content
    versions = list(PolicyVersion.objects.filter(region__code="420100").order_by("effective_from"))
    assert [(v.effective_from, v.effective_to) for v in versions] == [
        (date(2023, 1, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), None),
    ]


def test_an_amendment_inside_a_closed_version_keeps_its_tail():
    # Sichuan's five-year text ends 2027-01-31 (its pooling-area rules from 2023-01-01, the
    # 通知); an amendment of 2025 only to 2025-12-31 leaves 2026-01-01..2027-01-31 to the
    # version it cuts (a copy of it, same source).
    sichuan = PolicyVersion.objects.filter(region__code="510000")
    document = copy.deepcopy(sichuan.latest("effective_from").document)
    document["general_outpatient"]["deductible"]["employee"] = "180.00"
    response = publish("510000", document, "2025-01-01", end="2025-12-31")
    assert response.status_code == 201, response.content
    spans = [
        (
            v.effective_from,
            v.effective_to,
            v.document["general_outpatient"]["deductible"]["employee"],
        )
        for v in PolicyVersion.objects.filter(region__code="510000").order_by("effective_from")
    ]
    assert spans == [
        # 第七条's 200 from 2023-01 only (通知一; unset in 2022 since the fidelity review).
        (date(2022, 2, 1), date(2022, 12, 31), None),
        (date(2023, 1, 1), date(2024, 12, 31), "200.00"),
        (date(2025, 1, 1), date(2025, 12, 31), "180.00"),
        (date(2026, 1, 1), date(2027, 1, 31), "200.00"),
    ]
    on = effective_policy(region=Region.objects.get(code="510000"), on_date=date(2026, 3, 1))
    assert on.document["general_outpatient"]["deductible"]["employee"] == "200.00"


def test_an_amendment_on_a_versions_first_day_or_before_the_first_is_refused():
    assert publish("420100", _wuhan(), "2023-01-01").status_code == 409
    assert publish("420100", _wuhan(), "2022-06-01").status_code == 409
    assert PolicyVersion.objects.filter(region__code="420100").count() == 1


# --- Fills --------------------------------------------------------------------------------------

NOTICE = "内人社发〔2022〕演示号《关于公布2021年全区平均基本养老金的通知》（演示数据）"


def baotou_fill(start: str, pension: str = "3000.00"):
    version = effective_policy(
        region=Region.objects.get(code="150200"), on_date=date.fromisoformat(start)
    ).version
    document = copy.deepcopy(version.document)
    document["account"]["retiree"]["average_pension"] = pension
    document["sources"]["account.retiree.average_pension"] = {
        "article": "演示公告",
        "note": "全自治区2021年平均基本养老金（演示数值）",
    }
    return document


def test_a_fill_may_start_in_the_past_and_gives_the_value():
    response = publish("150200", baotou_fill("2022-10-01"), "2022-10-01", source=NOTICE)
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "fill"
    assert response.json()["effective_to"] == "2022-12-31"  # the version it fills ends then
    response = publish("150200", baotou_fill("2023-01-01"), "2023-01-01", source=NOTICE)
    assert response.status_code == 201, response.content
    assert response.json()["effective_to"] is None
    body = api(CLERK).get("/api/v1/regions/150200/policy/?on=2022-11-15").json()
    retiree = body["document"]["account"]["retiree"]
    assert (retiree["average_pension"], retiree["rate"]) == ("3000.00", "0.03")
    assert body["document"]["sources"]["account.retiree.average_pension"]["article"] == "演示公告"
    # The versions themselves are unchanged: nothing computed with them changes.
    versions = PolicyVersion.objects.filter(region__code="150200", kind="version")
    assert [(v.effective_from, v.effective_to) for v in versions.order_by("effective_from")] == [
        (date(2022, 10, 1), date(2022, 12, 31)),
        (date(2023, 1, 1), None),
    ]


def test_a_fill_that_changes_a_set_value_is_not_a_fill():
    document = baotou_fill("2022-10-01")
    document["account"]["retiree"]["rate"] = "0.04"  # Baotou 第四条 sets 3 %
    response = publish("150200", document, "2022-10-01", source=NOTICE)
    assert response.status_code == 409
    assert not PolicyVersion.objects.filter(kind="fill").exists()


def test_a_fill_across_two_different_versions_is_not_a_fill():
    response = publish("150200", baotou_fill("2022-10-01"), "2022-10-01", NOTICE, end="2023-06-30")
    assert response.status_code == 409
    assert not PolicyVersion.objects.filter(kind="fill").exists()


# --- Drafts -------------------------------------------------------------------------------------


def test_drafts_are_stored_listed_deleted_and_published():
    create_region("510100", "成都市", "510000")
    admin = api(POLICY_ADMIN)
    body = {"effective_from": "2022-02-01", "source": "成都示范", "document": CHENGDU_CAP}
    created = admin.post("/api/v1/regions/510100/drafts/", body, format="json")
    assert created.status_code == 201, created.content
    draft_id = created.json()["id"]
    assert [d["id"] for d in api(CLERK).get("/api/v1/regions/510100/drafts/").json()] == [draft_id]
    # Not in force: the effective policy is still Sichuan's alone.
    on = api(CLERK).get("/api/v1/regions/510100/policy/?on=2026-03-01").json()
    assert on["document"]["general_outpatient"]["annual_cap"]["employee"] is None
    assert api(CLERK).post(f"/api/v1/regions/510100/drafts/{draft_id}/publish/").status_code == 403
    published = admin.post(f"/api/v1/regions/510100/drafts/{draft_id}/publish/")
    assert published.status_code == 201, published.content
    assert not PolicyDraft.objects.exists()
    on = api(CLERK).get("/api/v1/regions/510100/policy/?on=2026-03-01").json()
    assert on["document"]["general_outpatient"]["annual_cap"]["employee"] == "2000.00"
    # A second draft is deleted; a draft outside a bound is refused when stored.
    second = admin.post("/api/v1/regions/510100/drafts/", body, format="json").json()["id"]
    assert admin.delete(f"/api/v1/regions/510100/drafts/{second}/").status_code == 204
    assert admin.delete(f"/api/v1/regions/510100/drafts/{second}/").status_code == 404
    create_region("220100", "长春市", "220000")
    over = {
        "effective_from": "2023-01-01",
        "source": "长春示范",
        "document": {"general_outpatient": {"annual_cap": {"employee": "2500.00"}}, "sources": {}},
    }
    refused = admin.post("/api/v1/regions/220100/drafts/", over, format="json")
    assert refused.status_code == 400 and "吉医保联〔2022〕22号" in str(refused.json())


def test_publishing_a_draft_runs_the_checks_of_publishing():
    admin = api(POLICY_ADMIN)
    body = {"effective_from": "2023-01-01", "source": "武汉示范", "document": _wuhan()}
    draft_id = admin.post("/api/v1/regions/420100/drafts/", body, format="json").json()["id"]
    response = admin.post(f"/api/v1/regions/420100/drafts/{draft_id}/publish/")
    assert response.status_code == 409  # a version already starts that day
    assert PolicyDraft.objects.filter(pk=draft_id).exists()
