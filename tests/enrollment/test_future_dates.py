"""Future dates (the hostile-input sweep): a retirement, an admission or a discharge is recorded
once it has happened. 2099-12-31 was accepted on the API and on the pages: the person was a
retiree now, and a stay "until 2099" excluded outpatient benefits until then."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enrollment.models import InpatientStay, Person
from tests.claims.test_settlement import _world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api() -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    user = UserFactory(roles=["clerk"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def today() -> str:
    return timezone.localdate().isoformat()


def test_a_future_retirement_is_refused_on_the_api_and_the_page(client):
    person, _account, _hospital = _world()
    body = {"category": "retiree", "retirement_date": tomorrow()}
    response = api().patch(f"/api/v1/persons/{person.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["retirement_date"] == [
        f"退休日期：{tomorrow()} 晚于今天；请在退休当日或之后办理退休登记。"
    ]
    client.force_login(UserFactory(roles=["clerk"]))
    page = client.post(
        f"/enrollment/persons/{person.pk}/retire/",
        {"retirement_date": tomorrow()},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 400 and "晚于今天" in page.content.decode()
    person.refresh_from_db()
    assert person.category == Person.Category.EMPLOYEE and person.retirement_date is None
    # Today is a retirement that has happened.
    response = api().patch(f"/api/v1/persons/{person.pk}/", {**body, "retirement_date": today()},
                           format="json")  # fmt: skip
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "body",
    [
        {"admitted_on": "2099-12-31", "discharged_on": None},
        {"admitted_on": "2026-01-01", "discharged_on": "2099-01-01"},
    ],
)
def test_a_future_admission_or_discharge_is_refused_on_the_api(body):
    person, _account, _hospital = _world()
    response = api().post(f"/api/v1/persons/{person.pk}/inpatient-stays/", body, format="json")
    assert response.status_code == 400, response.content
    [(field, [message])] = response.json().items()
    assert field == ("admitted_on" if body["discharged_on"] is None else "discharged_on")
    assert "晚于今天" in message and ("入院日期" in message or "出院日期" in message)
    assert not InpatientStay.objects.exists()


def test_a_future_admission_is_refused_on_the_page(client):
    person, _account, _hospital = _world()
    client.force_login(UserFactory(roles=["clerk"]))
    page = client.post(
        f"/enrollment/persons/{person.pk}/stays/new/",
        {"admitted_on": tomorrow()},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert page.status_code == 400 and "晚于今天" in page.content.decode()
    assert not InpatientStay.objects.exists()


def test_a_stored_future_retirement_does_not_block_other_edits():
    # A row stored before the rule (a future retirement date) can still be edited in its other
    # fields; changing the date itself is checked (the rule applies to the date entered).
    person, _account, _hospital = _world()
    later = timezone.localdate() + timedelta(days=30)
    Person.objects.filter(pk=person.pk).update(category="retiree", retirement_date=later)
    response = api().patch(f"/api/v1/persons/{person.pk}/", {"name": "王改名"}, format="json")
    assert response.status_code == 200, response.content
    response = api().patch(f"/api/v1/persons/{person.pk}/",
                           {"retirement_date": tomorrow()}, format="json")  # fmt: skip
    assert response.status_code == 400 and "retirement_date" in response.json()
