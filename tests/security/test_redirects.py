"""Open redirects: every view that honours ``next`` stays on the site (issue 16)."""

from datetime import date

import pytest
from django.test import RequestFactory

from claims.models import ChronicCertification
from claims.services import certification_apply
from policies.models import Region
from policies.services import policies_load_seeds
from staff.redirects import safe_next
from tests.factories import EmployerFactory, PersonFactory, UserFactory

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example/claims/",
    "//evil.example",
    "//evil.example/claims/certifications/",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "///evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_safe_next_refuses_other_hosts(target):
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    assert safe_next(request, target) is None


def test_safe_next_keeps_paths_on_the_site():
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    assert safe_next(request, "/claims/certifications/?status=pending") == (
        "/claims/certifications/?status=pending"
    )


@pytest.fixture
def certification(db):
    policies_load_seeds()
    region = Region.objects.get(code="530400")
    person = PersonFactory(region=region, employer=EmployerFactory(code="YX1", region=region))
    return certification_apply(
        person=person, disease_code="N18", valid_from=date(2026, 1, 1), actor=None
    )


@pytest.mark.parametrize("target", OFF_SITE)
def test_certification_decision_never_redirects_off_site(certification, client, target):
    client.force_login(UserFactory(roles=["clerk"]))
    response = client.post(
        f"/claims/certifications/{certification.pk}/decide/",
        {"action": "approve", "next": target},
    )
    assert response.status_code == 302
    assert response["Location"] == "/claims/certifications/"
    certification.refresh_from_db()
    assert certification.status == ChronicCertification.Status.APPROVED


def test_certification_decision_goes_back_to_the_page_it_came_from(certification, client):
    client.force_login(UserFactory(roles=["clerk"]))
    response = client.post(
        f"/claims/certifications/{certification.pk}/decide/",
        {"action": "approve", "next": "/claims/certifications/?status=pending"},
    )
    assert response["Location"] == "/claims/certifications/?status=pending"
