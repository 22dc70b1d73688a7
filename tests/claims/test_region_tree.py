"""Settlement under the effective policy of a region tree: a Chengdu person settles once
Chengdu gives Sichuan's annual cap; amendments are refused when they would change settled
claims (409 with the count and the first date); drafts are never used."""

import copy
from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import account_open
from claims.settlement import ClaimRequest, settlement_create
from policies.models import PolicyVersion, Region
from policies.services import draft_create, policies_load_seeds, region_create
from staff.errors import DomainError
from staff.roles import POLICY_ADMIN
from tests.factories import EmployerFactory, InstitutionFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

CHENGDU_CAP = {
    "general_outpatient": {"annual_cap": {"employee": "2000.00", "retiree": "2500.00"}},
    "sources": {"general_outpatient.annual_cap": {"article": "演示", "note": "演示数值"}},
}


@pytest.fixture
def chengdu(db):
    policies_load_seeds()
    sichuan = Region.objects.get(code="510000")
    region = region_create(code="510100", name="成都市", parent=sichuan)
    person = PersonFactory(
        region=region,
        employer=EmployerFactory(code="CD1", region=region),
        benefits_from=date(2023, 1, 1),
    )
    account_open(person=person)
    hospital = InstitutionFactory(code="CDH1", region=region, level="1")
    return region, person, hospital


def claim(person, hospital, number="CD-1", visit=date(2026, 3, 1), total="1200.00"):
    return ClaimRequest(
        claim_number=number,
        person=person,
        institution=hospital,
        visit_date=visit,
        benefit="general_outpatient",
        total_amount=D(total),
    )


def settle(request):
    return settlement_create(request=request)[0]


def admin() -> APIClient:
    client = APIClient()
    user = UserFactory(roles=[POLICY_ADMIN])
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_chengdu_cap_settles_sichuan_claims_for_chengdus_insured(chengdu):
    region, person, hospital = chengdu
    # Sichuan leaves the cap to the pooling areas (川办发〔2021〕85号 第七条): refused, naming it.
    with pytest.raises(DomainError) as refused:
        settle(claim(person, hospital, "CD-0"))
    assert "general_outpatient.annual_cap" in refused.value.message
    # A draft with the cap is never used by settlement.
    draft_create(
        region=region, effective_from=date(2022, 2, 1), source="草稿", document=CHENGDU_CAP
    )
    with pytest.raises(DomainError):
        settle(claim(person, hospital, "CD-0"))
    response = admin().post(
        "/api/v1/regions/510100/policies/",
        {"effective_from": "2022-02-01", "source": "成都示范", "document": CHENGDU_CAP},
        format="json",
    )
    assert response.status_code == 201, response.content
    settlement = settle(claim(person, hospital))
    # 川办发 第七条: deductible 200, level-1 ratio 60 %; Chengdu's cap 2000 (demonstration):
    # (1200.00 − 200.00) × 0.60 = 600.00 from the pool, 600.00 by the person.
    assert settlement.pool_paid == D("600.00")
    assert settlement.pool_paid + settlement.account_paid + settlement.cash_paid == D("1200.00")
    assert settlement.policy_version.region.code == "510100"
    lines = " ".join(str(line) for line in settlement.explanation)
    assert "川办发〔2021〕85号 第七条" in lines  # the inherited ratio cites Sichuan's text


def test_a_draft_never_changes_a_settlement(chengdu):
    region, person, hospital = chengdu
    admin().post(
        "/api/v1/regions/510100/policies/",
        {"effective_from": "2022-02-01", "source": "成都示范", "document": CHENGDU_CAP},
        format="json",
    )
    generous = copy.deepcopy(CHENGDU_CAP)
    generous["general_outpatient"]["deductible"] = {"employee": "0.00", "retiree": "0.00"}
    draft_create(region=region, effective_from=date(2026, 1, 1), source="草稿", document=generous)
    settlement = settle(claim(person, hospital))
    assert settlement.pool_paid == D("600.00")  # the deductible of 200 still applies


def test_an_amendment_before_settled_claims_is_refused_with_count_and_first_date(chengdu):
    region, person, hospital = chengdu
    admin().post(
        "/api/v1/regions/510100/policies/",
        {"effective_from": "2022-02-01", "source": "成都示范", "document": CHENGDU_CAP},
        format="json",
    )
    settle(claim(person, hospital, "CD-1", date(2026, 3, 1)))
    settle(claim(person, hospital, "CD-2", date(2026, 3, 5), "300.00"))
    changed = copy.deepcopy(CHENGDU_CAP)
    changed["general_outpatient"]["annual_cap"]["employee"] = "1800.00"
    body = {"effective_from": "2026-02-01", "source": "成都示范二", "document": changed}
    refused = admin().post("/api/v1/regions/510100/policies/", body, format="json")
    assert refused.status_code == 409
    message = refused.json()["effective_from"][0]
    assert "2" in message and "2026-03-01" in message
    # Sichuan's version is in every Chengdu settlement's stack: amending it is refused too.
    sichuan = copy.deepcopy(
        PolicyVersion.objects.filter(region__code="510000").latest("effective_from").document
    )
    sichuan["general_outpatient"]["deductible"]["employee"] = "180.00"
    body = {"effective_from": "2026-01-01", "source": "川示范", "document": sichuan}
    assert admin().post("/api/v1/regions/510000/policies/", body, format="json").status_code == 409
    # After the settled claims, the amendment splits Chengdu's version.
    body = {"effective_from": "2026-03-06", "source": "成都示范二", "document": changed}
    response = admin().post("/api/v1/regions/510100/policies/", body, format="json")
    assert response.status_code == 201, response.content
    first = PolicyVersion.objects.get(region=region, effective_from=date(2022, 2, 1))
    assert first.effective_to == date(2026, 3, 5)
