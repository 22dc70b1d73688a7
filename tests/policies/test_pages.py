"""Policy pages: parameters in Chinese with articles, unset values highlighted, publishing."""

import json

import pytest

from policies.models import PolicyVersion
from policies.services import policies_load_seeds
from staff.roles import CLERK, POLICY_ADMIN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded():
    policies_load_seeds()


def test_region_list_and_detail(client):
    client.force_login(UserFactory(roles=[CLERK]))
    assert "包头市" in client.get("/policies/").content.decode()
    html = client.get("/policies/420100/").content.decode()
    assert "年度最高支付限额" in html and "第十六条" in html and "3500.00 元" in html
    assert 'class="unset-row"' in html  # chronic parameters are unset in Wuhan's rules
    old = client.get("/policies/150200/?on=2022-11-01").content.decode()
    assert "3%" in old


def test_policy_admin_publishes_through_the_form(client):
    client.force_login(UserFactory(roles=[POLICY_ADMIN]))
    form = client.get("/policies/540000/publish/")
    assert form.status_code == 200
    document = PolicyVersion.objects.get(region__code="540000").document
    bad = dict(document, general_outpatient=dict(document["general_outpatient"], annual_cap={}))
    response = client.post(
        "/policies/540000/publish/",
        {"effective_from": "2027-01-01", "source": "新文件", "document": json.dumps(bad)},
    )
    assert response.status_code == 200
    assert "$.general_outpatient.annual_cap" in response.content.decode()
    response = client.post(
        "/policies/540000/publish/",
        {"effective_from": "2027-01-01", "source": "新文件", "document": json.dumps(document)},
    )
    assert response.status_code == 302
    assert PolicyVersion.objects.filter(region__code="540000").count() == 2


def test_clerk_cannot_publish(client):
    client.force_login(UserFactory(roles=[CLERK]))
    assert client.get("/policies/540000/publish/").status_code == 403
