"""A person registered with an employer of another region is refused, naming both regions,
unless the clerk confirms it: the form shows the confirmation box after the first refusal;
the API answers 400 unless ``confirm_other_region: true``; a change of region or employer
that puts them apart is held to the same rule."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from enrollment.models import Person
from enrollment.services import person_create, person_update
from staff.errors import DomainError
from tests.factories import EmployerFactory, RegionFactory, UserFactory, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    wuhan = RegionFactory(code="420100", name="武汉市")
    baotou = RegionFactory(code="150200", name="包头市")
    return wuhan, baotou, EmployerFactory(code="BT1", name="包钢", region=baotou)


def _person(region, employer, **kwargs):
    return dict(
        id_number=id_number(place="420100"),
        name="周八",
        region=region,
        employer=employer,
        contribution_base=6000,
        **kwargs,
    )


def test_the_service_refuses_naming_both_regions_or_takes_the_confirmation(world):
    wuhan, baotou, employer = world
    with pytest.raises(DomainError) as err:
        person_create(**_person(wuhan, employer))
    assert err.value.field == "employer" and err.value.code == "employer_other_region"
    assert "武汉市（420100）" in err.value.message and "包头市（150200）" in err.value.message
    assert not Person.objects.exists()
    person = person_create(**_person(wuhan, employer), confirm_other_region=True)
    assert person.employer == employer and person.region == wuhan
    assert person_create(**_person(baotou, employer)).region == baotou  # same region: no question


def test_a_change_that_puts_them_apart_needs_the_confirmation_too(world):
    wuhan, baotou, employer = world
    person = person_create(**_person(baotou, employer))
    with pytest.raises(DomainError):
        person_update(person=person, data={"region": wuhan})
    person.refresh_from_db()
    assert person.region == baotou
    person_update(person=person, data={"region": wuhan, "confirm_other_region": True})
    person.refresh_from_db()
    assert person.region == wuhan
    person_update(person=person, data={"name": "周八八"})  # other changes are not asked again


def test_the_api_is_400_unless_confirmed(world):
    wuhan, baotou, employer = world
    api = APIClient()
    api.force_authenticate(UserFactory(roles=["clerk"]))
    body = {"id_number": id_number(place="420100"), "name": "吴九", "region": "420100",
            "employer": employer.pk, "contribution_base": "6000.00"}  # fmt: skip
    refused = api.post("/api/v1/persons/", body, format="json")
    assert refused.status_code == 400 and "包头市" in str(refused.json()["employer"])
    made = api.post("/api/v1/persons/", {**body, "confirm_other_region": True}, format="json")
    assert made.status_code == 201 and "confirm_other_region" not in made.json()
    moved = api.patch(f"/api/v1/persons/{made.json()['id']}/", {"region": "150200"}, format="json")
    assert moved.status_code == 200  # now with the employer's region: nothing to confirm


def test_the_form_shows_the_confirmation_after_the_first_refusal(world, client):
    wuhan, baotou, employer = world
    client.force_login(UserFactory(roles=["clerk"]))
    assert "confirm_other_region" not in client.get("/enrollment/persons/new/").content.decode()
    data = {"id_number": id_number(place="420100"), "name": "郑十", "region": "420100",
            "scheme": "employee", "category": "employee", "employment": "employer",
            "employer": employer.pk, "contribution_base": "6000.00", "status": "active",
            "benefits_from": "20260101"}  # fmt: skip
    refused = client.post("/enrollment/persons/new/", data)
    html = refused.content.decode()
    assert refused.status_code == 400 and 'data-field="employer"' in html
    assert "武汉市（420100）" in html and "包头市（150200）" in html
    assert 'name="confirm_other_region"' in html and not Person.objects.exists()
    saved = client.post("/enrollment/persons/new/", {**data, "confirm_other_region": "on"})
    assert saved.status_code == 302
    person = Person.objects.get()
    assert person.benefits_from == date(2026, 1, 1)  # typed as 20260101
