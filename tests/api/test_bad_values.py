"""Values the database refuses (found by schemathesis): a NUL character in a code or a search
is a 400 with a message on the API and on pages, and writes nothing."""

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enrollment.models import Employer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_nul_character_is_a_400_not_a_server_error(client):
    clerk = UserFactory(username="clerk", roles=["clerk"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    response = api.post(
        "/api/v1/employers/", {"code": "E1", "name": "厂", "region": "42\x000"}, format="json"
    )
    assert response.status_code == 400
    assert not Employer.objects.exists()
    client.force_login(clerk)
    page = client.get("/enrollment/persons/", {"q": "王\x00"})
    # The search form refuses the character itself, on either database, next to the field.
    assert page.status_code == 400 and "NUL" in page.content.decode()
    if connection.vendor != "postgresql":
        # SQLite stores and compares a NUL like any character: the region is simply unknown.
        assert "region" in response.json()
        return
    # PostgreSQL refuses the character itself: the message says so.
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("path", ["inpatient-totals/2026/", "inpatient-stays/", "account/", ""])
def test_an_id_beyond_64_bits_in_a_path_is_not_a_server_error(path, client):
    """A person id of 30 digits in the path (found by schemathesis on SQLite, whose driver
    refuses the integer before any statement runs; PostgreSQL refuses it as out of range):
    refused with the bad-value message or not found, on the API and on the pages, never a 500."""
    clerk = UserFactory(username="clerk", roles=["clerk", "manager"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    huge = "9" * 30
    response = api.get(f"/api/v1/persons/{huge}/{path}")
    assert response.status_code in (400, 404), response.content
    client.force_login(clerk)
    page = client.get(f"/enrollment/persons/{huge}/")
    assert page.status_code in (400, 404)
