"""The permission matrix (``staff.permissions_matrix``) walked for real: every route of the
URLconf, every method it serves, every role and anonymous visitors."""

import pytest
from django.test import Client
from django.urls import reverse

from enrollment.models import InstitutionUser
from staff.permissions_matrix import ACTORS, ANONYMOUS, INSTITUTION_REACHES, MATRIX
from staff.roles import AUDITOR, INSTITUTION
from tests.factories import InstitutionFactory, UserFactory

from .walk import concrete, outcome, routes

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
SESSION = ("accounts/login/", "accounts/logout/", "i18n/setlang/", "api/v1/auth/token/")


def test_every_route_is_in_the_matrix_and_nothing_else():
    served = {f"{method} {route}" for route, method in routes()}
    assert served - set(MATRIX) == set(), "routes with no row in staff/permissions_matrix.py"
    assert set(MATRIX) - served == set(), "rows for routes that no longer exist"


def test_the_institution_reaches_exactly_its_list():
    reached = {key for key, roles in MATRIX.items() if INSTITUTION in roles}
    sessions = {key for key in reached if key.split(" ", 1)[1] in SESSION}
    assert reached - sessions == INSTITUTION_REACHES


def test_the_matrix_keeps_its_rules():
    for key, roles in MATRIX.items():
        method, route = key.split(" ", 1)
        if route in SESSION:
            continue
        # Auditors read everything and write nothing.
        if method in UNSAFE:
            assert AUDITOR not in roles, key
        # Institution clients: the claims API and reference data, nothing of the bureau's pages.
        if INSTITUTION in roles and route.startswith("api/v1/"):
            assert method == "GET" or route.startswith("api/v1/claims/"), key
        # Institution clients: what settling needs, nothing of people beyond their patients.
        if INSTITUTION in roles:
            assert key in INSTITUTION_REACHES, key
        # The national platform's interface (HIS): institution clients only.
        if route.startswith("api/hsa/"):
            assert set(roles) <= {INSTITUTION}, key
        # Anonymous visitors: the policy documents' JSON Schema only (the API's schema and
        # documentation are for its signed-in users).
        if ANONYMOUS in roles:
            assert route == "api/v1/policy-schema/", key


@pytest.mark.django_db
def test_every_role_gets_what_the_matrix_says(postgres):
    users = {role: UserFactory(username=f"matrix-{role}", roles=[role]) for role in ACTORS[:-1]}
    # An institution's API user acts for one institution, as every real one does.
    InstitutionUser.objects.create(user=users[INSTITUTION], institution=InstitutionFactory())
    wrong = []
    for route, method in routes():
        allowed = set(MATRIX[f"{method} {route}"])
        for actor in ACTORS:
            client = Client()
            if actor != ANONYMOUS:
                client.force_login(users[actor])
            path = concrete(route)
            if method == "GET":
                response = client.get(path)
            else:
                response = getattr(client, method.lower())(
                    path, "{}", content_type="application/json"
                )
            got = outcome(response) == "allow"
            if got != (actor in allowed):
                wrong.append((method, route, actor, response.status_code))
    assert wrong == []


def test_a_refused_write_changes_nothing(db, client):
    # An auditor posting to a clerk's form is refused before the form is read.
    from enrollment.models import Employer

    client.force_login(UserFactory(roles=[AUDITOR]))
    response = client.post(reverse("enrollment:employer_create"), {"code": "X1", "name": "某单位"})
    assert response.status_code == 403
    assert not Employer.objects.filter(code="X1").exists()
