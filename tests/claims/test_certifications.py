"""Chronic/special certification workflow: apply, approve, reject, revoke; API and pages."""

from datetime import date

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import ChronicCertification, Disease
from claims.selectors import approved_chronic_count, certification_on
from policies.models import Region
from policies.services import policies_load_seeds
from tests.factories import EmployerFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    policies_load_seeds()
    region = Region.objects.get(code="530400")
    return PersonFactory(region=region, employer=EmployerFactory(code="YX1", region=region))


def api(*roles):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(roles=list(roles))).key}"
    )
    return client


def test_catalogue_is_seeded():
    assert set(Disease.objects.values_list("code", "kind")) >= {
        ("I10", "chronic"),
        ("E11", "chronic"),
        ("I25", "chronic"),
        ("N18", "special"),
        ("F20", "special"),
    }


def test_apply_approve_then_revoke(person):
    client = api("clerk")
    created = client.post(
        "/api/v1/chronic-certifications/",
        {"person": person.pk, "disease_code": "e11", "valid_from": "2026-01-01"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["status"] == "applied"
    cid = created.json()["id"]
    assert certification_on(person=person, disease_code="E11", on=date(2026, 3, 1)) is None
    approved = client.post(f"/api/v1/chronic-certifications/{cid}/approve/")
    assert approved.status_code == 200 and approved.json()["decided_by"]
    assert certification_on(person=person, disease_code="E11", on=date(2026, 3, 1)) is not None
    assert approved_chronic_count(person=person, on=date(2026, 3, 1)) == 1
    assert client.post(f"/api/v1/chronic-certifications/{cid}/approve/").status_code == 409
    assert (
        client.post(f"/api/v1/chronic-certifications/{cid}/revoke/", {}, format="json").status_code
        == 400
    )
    revoked = client.post(
        f"/api/v1/chronic-certifications/{cid}/revoke/", {"reason": "复查不符合"}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert ChronicCertification.objects.get().history.count() == 3


def test_refusals(person):
    client = api("clerk")
    unknown = client.post(
        "/api/v1/chronic-certifications/",
        {"person": person.pk, "disease_code": "X99", "valid_from": "2026-01-01"},
        format="json",
    )
    assert unknown.status_code == 400 and "disease_code" in unknown.json()
    body = {"person": person.pk, "disease_code": "I10", "valid_from": "2026-01-01"}
    assert client.post("/api/v1/chronic-certifications/", body, format="json").status_code == 201
    assert client.post("/api/v1/chronic-certifications/", body, format="json").status_code == 409
    backwards = client.post(
        "/api/v1/chronic-certifications/",
        {**body, "disease_code": "I25", "valid_to": "2025-01-01"},
        format="json",
    )
    assert backwards.status_code == 400 and "valid_to" in backwards.json()
    cid = ChronicCertification.objects.get().pk
    assert (
        client.post(
            f"/api/v1/chronic-certifications/{cid}/reject/", {"reason": ""}, format="json"
        ).status_code
        == 400
    )
    assert api("manager").post(f"/api/v1/chronic-certifications/{cid}/approve/").status_code == 403
    assert api("manager").get("/api/v1/chronic-certifications/?status=applied").json()["count"] == 1


def test_clerk_pages(person, client):
    client.force_login(UserFactory(roles=["clerk"]))
    response = client.post(
        "/claims/certifications/",
        {"id_number": person.id_number, "disease": "N18", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 302
    certification = ChronicCertification.objects.get()
    client.post(
        f"/claims/certifications/{certification.pk}/decide/",
        {"action": "approve", "reason": "透析病历齐全"},
    )
    certification.refresh_from_db()
    # An approval keeps its reason as a rejection does (the list page's approval took none).
    assert (certification.status, certification.reason) == ("approved", "透析病历齐全")
    listed = client.get("/claims/certifications/?status=approved").content.decode()
    row = listed.split(f'id="c{certification.pk}"')[1].split("</tr>")[0]
    assert "透析病历齐全" in row
    # The disease and its period are not broken across lines (I10 高血 / 压, 2026-01-01 / –),
    # nor is a form's label parted from its box.
    assert '<td class="nowrap">N18 慢性肾功能衰竭</td><td class="nowrap">2026-01-01' in row
    assert '<span class="nowrap"><label for="id_valid_to">' in listed
    page = client.get(f"/enrollment/persons/{person.pk}/").content.decode()
    assert "慢性肾功能衰竭" in page
    # An open-ended period reads 至长期 as on the decision, not a dangling "2026-01-01 –".
    assert "2026-01-01 – 长期" in row and "2026-01-01 – 长期" in page


def test_the_api_approval_keeps_an_optional_reason(person):
    clerk = api("clerk")
    body = {"person": person.pk, "disease_code": "I10", "valid_from": "2026-01-01"}
    first = clerk.post("/api/v1/chronic-certifications/", body, format="json").json()["id"]
    second = clerk.post(
        "/api/v1/chronic-certifications/", {**body, "disease_code": "E11"}, format="json"
    ).json()["id"]
    done = clerk.post(
        f"/api/v1/chronic-certifications/{first}/approve/", {"reason": "复核无误"}, format="json"
    )
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert ChronicCertification.objects.get(pk=first).reason == "复核无误"
    # An empty body is accepted as before.
    assert clerk.post(f"/api/v1/chronic-certifications/{second}/approve/").status_code == 200
    assert ChronicCertification.objects.get(pk=second).reason == ""
