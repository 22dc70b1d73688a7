"""Summaries hold any sum of accepted claims (issue 16): two claims of 600,000,000,000.00 from
one institution overflowed numeric(14, 2) in the summaries and every dashboard page answered
400; and one claim above the plausible ceiling (``CLAIM_TOTAL_CEILING``) is refused, naming it,
on every path."""

from decimal import Decimal as D

import pytest
from django.db.models import Sum
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Settlement
from claims.settlement import settlement_create, settlement_preview
from dashboards.models import ClaimDay, InstitutionMonth
from staff.errors import DomainError
from tests.claims.test_settlement import _world, request
from tests.factories import UserFactory

PAGES = [
    "/dashboards/",
    "/dashboards/accounts/",
    "/dashboards/sharing/",
    "/dashboards/caps/",
    "/dashboards/chronic/",
    "/dashboards/institutions/",
]


def test_two_huge_claims_fit_the_summaries_and_every_page_answers(postgres, settings, client):
    settings.CLAIM_TOTAL_CEILING = "999999999999.99"  # what the columns of one claim hold
    person, _account, hospital = _world()
    for number in ("BIG1", "BIG2"):
        settlement, created = settlement_create(
            request=request(person, hospital, number, "600000000000.00")
        )
        assert created and settlement.total_amount == D("600000000000.00")
    client.force_login(UserFactory(roles=["manager"]))
    for page in [*PAGES, f"/dashboards/institutions/{hospital.pk}/"]:
        assert client.get(page).status_code == 200, page
    # 600,000,000,000.00 × 2 = 1,200,000,000,000.00: 13 integer digits, beyond numeric(14, 2).
    month = InstitutionMonth.objects.get(institution=hospital)
    assert month.total_amount == D("1200000000000.00") and month.settlements == 2
    assert ClaimDay.objects.aggregate(t=Sum("total_amount"))["t"] == D("1200000000000.00")


@pytest.mark.django_db
def test_a_claim_above_the_ceiling_is_refused_naming_it(settings):
    person, _account, hospital = _world()
    too_much = request(person, hospital, "C9", "1000000.01")
    for service in (settlement_preview, lambda request: settlement_create(request=request)):
        with pytest.raises(DomainError) as refused:
            service(request=too_much) if service is settlement_preview else service(too_much)
        assert refused.value.field == "total_amount"
        assert "1,000,000.00" in refused.value.message
    at_the_ceiling, created = settlement_create(
        request=request(person, hospital, "C10", "1000000.00")
    )
    assert created and at_the_ceiling.total_amount == D("1000000.00")
    settings.CLAIM_TOTAL_CEILING = "500.00"
    with pytest.raises(DomainError):
        settlement_preview(request=request(person, hospital, "C11", "500.01"))


@pytest.mark.django_db
def test_the_api_refuses_a_claim_above_the_ceiling_in_chinese():
    person, _account, hospital = _world()
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    token = Token.objects.create(user=UserFactory(roles=["clerk"]))
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = {
        "claim_number": "C1",
        "person": person.pk,
        "institution": hospital.pk,
        "visit_date": "2026-03-01",
        "benefit": "general_outpatient",
        "total_amount": "600000000000.00",
    }
    for path in ("/api/v1/claims/preview/", "/api/v1/claims/"):
        response = api.post(path, body, format="json")
        assert response.status_code == 400, response.content
        [message] = response.json()["total_amount"]
        assert "上限" in message and "1,000,000.00" in message and "600,000,000,000.00" in message
    assert not Settlement.objects.exists()
