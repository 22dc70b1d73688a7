"""Regions and policies over the API."""

import copy
import json
from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from policies.models import PolicyDraft, PolicyVersion
from policies.services import policies_load_seeds
from policies.usage import _COUNTERS, register_usage_counter
from staff.roles import CLERK, POLICY_ADMIN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded():
    policies_load_seeds()


def api(*roles) -> APIClient:
    client = APIClient()
    user = UserFactory(roles=list(roles))
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_regions_list():
    body = api(CLERK).get("/api/v1/regions/").json()
    # The contract's [{code, name, parent}] (DESIGN.md "Regions form a tree"); the seeded
    # parents are regions too.
    assert {"code": "150200", "name": "包头市", "name_en": "Baotou", "parent": "150000"} in body
    assert {
        "code": "150000",
        "name": "内蒙古自治区",
        "name_en": "Inner Mongolia",
        "parent": None,
    } in body
    assert len(body) == 10


def test_policy_in_force_on_a_date():
    client = api(CLERK)
    v1 = client.get("/api/v1/regions/150200/policy/?on=2022-11-15").json()
    assert (v1["effective_from"], v1["effective_to"]) == ("2022-10-01", "2022-12-31")
    assert v1["document"]["account"]["retiree"]["rate"] == "0.03"
    assert set(v1) == {
        "id", "region", "effective_from", "effective_to", "source", "document", "kind", "inherited",
    }  # fmt: skip
    assert v1["inherited"] == {} and v1["kind"] == "version"
    v2 = client.get("/api/v1/regions/150200/policy/?on=2023-01-01").json()
    assert v2["document"]["account"]["retiree"]["rate"] == "0.02" and v2["region"] == "150200"


def test_policy_errors_are_4xx_with_reasons():
    client = api(CLERK)
    none = client.get("/api/v1/regions/150200/policy/?on=2020-01-01")
    assert none.status_code == 404 and "2020-01-01" in none.json()["detail"]
    assert client.get("/api/v1/regions/999999/policy/").status_code == 404
    bad = client.get("/api/v1/regions/150200/policy/?on=2023-02-30")
    assert bad.status_code == 400 and "on" in bad.json()


def publish_body(effective_from="2027-01-01", **changes):
    current = PolicyVersion.objects.get(region__code="540000")
    document = copy.deepcopy(current.document)
    document["family_sharing"]["min_residual_balance"] = "2500.00"
    body = {"effective_from": effective_from, "source": "藏医保发〔2026〕1号", "document": document}
    body.update(changes)
    return body


def test_policy_admin_publishes_and_the_open_version_is_closed():
    response = api(POLICY_ADMIN).post(
        "/api/v1/regions/540000/policies/", publish_body(), format="json"
    )
    assert response.status_code == 201, response.content
    old = PolicyVersion.objects.get(region__code="540000", effective_from=date(2022, 1, 1))
    assert old.effective_to == date(2026, 12, 31)
    listed = api(CLERK).get("/api/v1/regions/540000/policies/").json()
    assert [v["effective_from"] for v in listed] == ["2027-01-01", "2022-01-01"]


def test_clerk_may_not_publish():
    response = api(CLERK).post("/api/v1/regions/540000/policies/", publish_body(), format="json")
    assert response.status_code == 403
    assert PolicyVersion.objects.filter(region__code="540000").count() == 1


@pytest.mark.parametrize("start", ["2022-01-01", "2021-06-01"])
def test_overlapping_or_retroactive_versions_are_refused(start):
    response = api(POLICY_ADMIN).post(
        "/api/v1/regions/540000/policies/", publish_body(start), format="json"
    )
    assert response.status_code == 409
    assert "effective_from" in response.json()
    assert PolicyVersion.objects.get(region__code="540000").effective_to is None


def test_start_inside_a_closed_version_splits_it():
    # Second round (DESIGN.md "Versions: amendments, fills and drafts"): a version may start
    # inside an earlier one, closed or open; the earlier part keeps its days up to the day
    # before, and the new version keeps the rest of the closed one's days.
    shanghai = PolicyVersion.objects.filter(region__code="310000").latest("effective_from")
    end = shanghai.effective_to
    body = publish_body("2026-06-01")
    body["document"] = copy.deepcopy(shanghai.document)
    response = api(POLICY_ADMIN).post("/api/v1/regions/310000/policies/", body, format="json")
    assert response.status_code == 201, response.content
    shanghai.refresh_from_db()
    assert shanghai.effective_to == date(2026, 5, 31)
    assert response.json()["effective_to"] == (end.isoformat() if end else None)


def test_bad_document_names_the_json_path():
    body = publish_body()
    body["document"]["general_outpatient"]["annual_cap"]["employee"] = "lots"
    response = api(POLICY_ADMIN).post("/api/v1/regions/540000/policies/", body, format="json")
    assert response.status_code == 400
    assert any("$.general_outpatient.annual_cap.employee" in m for m in response.json()["document"])
    assert PolicyVersion.objects.filter(region__code="540000").count() == 1


def test_retroactive_before_a_settled_claim_is_refused():
    def counter(version, on_or_after):
        return 3 if version.region.code == "540000" and on_or_after <= date(2026, 11, 1) else 0

    register_usage_counter(counter)
    try:
        response = api(POLICY_ADMIN).post(
            "/api/v1/regions/540000/policies/", publish_body("2026-10-01"), format="json"
        )
    finally:
        _COUNTERS.remove(counter)
    assert response.status_code == 409
    assert "3" in response.json()["effective_from"][0]


def test_versions_are_never_edited():
    from django.core.exceptions import ValidationError

    version = PolicyVersion.objects.get(region__code="540000")
    version.document["general_outpatient"]["annual_cap"]["employee"] = "9999.00"
    with pytest.raises(ValidationError):
        version.save()


def test_policy_schema_is_published():
    schema = APIClient().get("/api/v1/policy-schema/").json()
    assert schema["properties"]["general_outpatient"]["required"] == [
        "deductible_basis", "deductible", "ratio", "annual_cap",
    ]  # fmt: skip


def test_database_refuses_edits_and_deletes_below_the_orm(postgres):
    from django.db import DatabaseError, connection, transaction

    version = PolicyVersion.objects.get(region__code="540000")
    for sql in (
        "UPDATE policies_policyversion SET document = '{}'::jsonb WHERE id = %s",
        "UPDATE policies_policyversion SET source = 'x' WHERE id = %s",
        "DELETE FROM policies_policyversion WHERE id = %s",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [version.pk])
    with connection.cursor() as cursor:  # closing a version stays possible
        cursor.execute(
            "UPDATE policies_policyversion SET effective_to = '2030-01-01' WHERE id = %s",
            [version.pk],
        )


def _as_json_numbers(body: dict, **numbers: str) -> str:
    """``body`` as JSON text, each ``numbers`` placeholder value replaced by a bare number."""
    text = json.dumps(body, ensure_ascii=False)
    for placeholder, written in numbers.items():
        text = text.replace(f'"@{placeholder}@"', written)
    return text


def test_a_ratio_posted_as_a_json_number_is_stored_as_its_exact_text():
    """``0.85`` was a float before the document was checked: the schema refused it (a ratio is
    text), and through ``float`` it could never be stored exactly. It is read as the Decimal
    0.85 and kept as the document's text ``"0.85"``."""
    body = publish_body()
    body["document"]["general_outpatient"]["ratio"]["employee"]["1"] = "@ratio@"
    body["document"]["general_outpatient"]["annual_cap"]["employee"] = "@cap@"
    text = _as_json_numbers(body, ratio="0.85", cap="3000.00")
    response = api(POLICY_ADMIN).post(
        "/api/v1/regions/540000/drafts/", text, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    stored = PolicyDraft.objects.get().document["general_outpatient"]
    assert stored["ratio"]["employee"]["1"] == "0.85"
    assert stored["annual_cap"]["employee"] == "3000.00"


@pytest.mark.parametrize(
    ("path", "written", "reason"),
    [
        (("ratio", "employee", "1"), "0.85e0", "0 至 1"),
        (("ratio", "employee", "1"), "0.123456", "0 至 1"),
        (("annual_cap", "employee"), "3000.5", "两位小数"),
        (("annual_cap", "employee"), "3e3", "两位小数"),
    ],
)
def test_a_json_number_the_schema_does_not_take_is_refused_naming_its_path(path, written, reason):
    body = publish_body()
    node = body["document"]["general_outpatient"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = "@value@"
    text = _as_json_numbers(body, value=written)
    for url in ("/api/v1/regions/540000/drafts/", "/api/v1/regions/540000/policies/"):
        response = api(POLICY_ADMIN).post(
            url, text, content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
        assert response.status_code == 400, response.content
        messages = response.json()["document"]
        where = "$.general_outpatient." + ".".join(path)
        assert any(m.startswith(where) and reason in m for m in messages), messages
    assert not PolicyDraft.objects.exists()
    assert PolicyVersion.objects.filter(region__code="540000").count() == 1
