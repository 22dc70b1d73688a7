"""Least privilege beyond the route matrix (``test_permission_matrix.py`` says who reaches a
route; this says what comes back, with real rows): insured persons' data is sensitive personal
information (个人信息保护法 第二十八条), and each role sees what its work needs."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from rest_framework.test import APIClient

from policies.models import Region
from policies.services import policies_load_seeds
from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN
from tests.factories import EmployerFactory, PersonFactory, UserFactory, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    policies_load_seeds()
    wuhan = Region.objects.get(code="420100")
    person = PersonFactory(
        id_number=id_number("420100", birth=date(1968, 11, 23)),
        name="王芳",
        region=wuhan,
        employer=EmployerFactory(region=wuhan),
    )
    return person


def api_get(role, path):
    api = APIClient()
    api.force_authenticate(UserFactory(username=f"lp-{role}", roles=[role]))
    return api.get(path)


def page_get(role, path):
    client = Client()
    client.force_login(UserFactory(username=f"lp-{role}", roles=[role]))
    return client.get(path)


# The birth date a mask hides, in every format a page or a row shows.
BIRTH = ("19681123", "1968-11-23", "1968年11月23")


@pytest.mark.parametrize("role", [CLERK, MANAGER, AUDITOR])
@pytest.mark.parametrize("surface", ["api", "page"])
def test_whole_id_numbers_and_birth_dates_are_for_clerks_only(person, role, surface):
    """Lists mask the ID number for every role but clerks; a person's own page and API row
    must not give back, one id at a time, what the list masks."""
    if surface == "api":
        response = api_get(role, f"/api/v1/persons/{person.pk}/")
    else:
        response = page_get(role, f"/enrollment/persons/{person.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert person.name in body
    if role == CLERK:
        assert person.id_number in body and "1968-11-23" in body
        return
    assert person.masked_id_number in body
    leaked = [b for b in BIRTH if b in body]
    assert leaked == [], leaked


# --- Who reads a person at all: real rows, every role ----------------------------------------------
PEOPLE_READERS = {CLERK, MANAGER, AUDITOR}


@pytest.fixture
def records(person):
    from accounts.services import account_open, ledger_post
    from claims.models import InpatientTotal
    from claims.services import certification_apply
    from claims.settlement import ClaimRequest, settlement_create
    from enrollment.services import inpatient_stay_record
    from tests.factories import InstitutionFactory

    account = account_open(person=person)
    ledger_post(account_id=account.pk, kind="adjustment", amount=Decimal("500.00"))
    hospital = InstitutionFactory(code="LP1", region=person.region, level="1")
    settlement, _ = settlement_create(
        request=ClaimRequest(
            claim_number="LP-1",
            person=person,
            institution=hospital,
            visit_date=date(2026, 3, 1),
            benefit="general_outpatient",
            total_amount=Decimal("120.00"),
        )
    )
    certification = certification_apply(
        person=person, disease_code="F20", valid_from=date(2026, 1, 1)
    )
    inpatient_stay_record(person=person, admitted_on=date(2026, 1, 5))
    InpatientTotal.objects.create(
        person=person, year=2026, pooled=Decimal("10.00"), as_of=date(2026, 2, 1), source="住院系统"
    )
    p = person.pk
    return {
        "api": [
            "/api/v1/persons/",
            f"/api/v1/persons/{p}/",
            f"/api/v1/persons/{p}/account/",
            f"/api/v1/persons/{p}/inpatient-stays/",
            f"/api/v1/persons/{p}/out-of-region-filings/",
            f"/api/v1/persons/{p}/inpatient-totals/2026/",
            f"/api/v1/persons/lookup/?id_number={person.id_number}",
            "/api/v1/chronic-certifications/",
            f"/api/v1/claims/{settlement.pk}/",
        ],
        "page": [
            f"/enrollment/persons/?q={person.name}",
            f"/enrollment/persons/{p}/",
            f"/accounts/persons/{p}/statement/",
            f"/accounts/persons/{p}/receipt/",
            f"/claims/settlements/{settlement.pk}/",
            "/claims/certifications/?status=applied",
            f"/claims/certifications/{certification.pk}/decision/",
        ],
    }


@pytest.mark.parametrize("role", [CLERK, MANAGER, AUDITOR, POLICY_ADMIN])
def test_only_the_roles_whose_work_is_people_read_a_person(records, person, role):
    """A policy administrator publishes policies and reads replays' aggregates: no person, no
    account, no stay, no settlement and no certification (a disease) of anyone."""
    got = {}
    for surface, get in (("api", api_get), ("page", page_get)):
        for path in records[surface]:
            response = get(role, path)
            got[path] = response.status_code
            if role not in PEOPLE_READERS:
                body = response.content.decode()
                assert person.name not in body and "F20" not in body, path
    if role in PEOPLE_READERS:
        assert set(got.values()) == {200}, got
    else:
        assert set(got.values()) == {403}, got


def test_reviews_about_a_person_are_not_a_policy_administrators(records, person):
    """The review queue (待复核) names the person and the disease of a certification awaiting
    approval: the roles whose work is people read it; a policy administrator reads the
    requests about no person (policy publications) and its own only."""
    from claims.models import ChronicCertification
    from claims.reviews import certification_approval_request

    certification = ChronicCertification.objects.get(person=person)
    review = certification_approval_request(
        certification=certification, actor=UserFactory(username="lp-applicant", roles=[CLERK])
    )
    paths = {
        "api": ["/api/v1/reviews/", f"/api/v1/reviews/{review.pk}/"],
        "page": ["/reviews/?status=all", f"/reviews/{review.pk}/"],
    }
    for role in (CLERK, MANAGER, AUDITOR, POLICY_ADMIN):
        for surface, get in (("api", api_get), ("page", page_get)):
            for path in paths[surface]:
                response = get(role, path)
                body = response.content.decode()
                if role == POLICY_ADMIN:
                    assert person.name not in body and "F20" not in body, (role, path)
                    assert response.status_code in (200, 404), (role, path)
                else:
                    assert response.status_code == 200 and person.name in body, (role, path)
    # Nor may it decide one (it is not a reviewer of this kind), and the refusal names no one.
    api = APIClient()
    api.force_authenticate(UserFactory(username=f"lp-{POLICY_ADMIN}", roles=[POLICY_ADMIN]))
    refused = api.post(f"/api/v1/reviews/{review.pk}/approve/")
    assert refused.status_code == 403 and person.name not in refused.content.decode()
    review.refresh_from_db()
    assert review.status == "pending"


# --- The admin and the lockout -----------------------------------------------------------------
@pytest.mark.parametrize("role", [CLERK, MANAGER, AUDITOR, POLICY_ADMIN, "institution"])
def test_no_role_reaches_the_admin(role):
    """The admin (``/admin/``) is Django's staff and superusers' only: no role makes its holder
    staff, so each is sent to the admin's login."""
    user = UserFactory(username=f"lp-admin-{role}", roles=[role])
    assert not user.is_staff
    client = Client()
    client.force_login(user)
    for path in ("/admin/", "/admin/enrollment/person/", "/admin/auth/user/"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], path


def test_wrong_passwords_count_once_across_every_way_in(client):
    """Five wrong passwords for one user from one address, whichever way they came (the login
    page, the API's token endpoint, the admin's login), lock every way in."""
    from tests.factories import PASSWORD

    UserFactory(username="lp-locked", roles=[CLERK])
    wrong = {"username": "lp-locked", "password": "wrong"}
    right = {"username": "lp-locked", "password": PASSWORD}
    for path in ("/accounts/login/", "/api/v1/auth/token/", "/admin/login/", "/accounts/login/"):
        assert client.post(path, wrong).status_code in (200, 400)
    assert client.post("/api/v1/auth/token/", wrong).status_code == 429
    for path in ("/accounts/login/", "/api/v1/auth/token/", "/admin/login/"):
        assert client.post(path, right).status_code == 429, path
    assert "_auth_user_id" not in client.session
