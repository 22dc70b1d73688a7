"""Least privilege beyond the route matrix (``test_permission_matrix.py`` says who reaches a
route; this says what comes back, with real rows): insured persons' data is sensitive personal
information (个人信息保护法 第二十八条), and each role sees what its work needs."""

from datetime import date

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


@pytest.mark.parametrize("role", [CLERK, MANAGER, AUDITOR, POLICY_ADMIN])
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
