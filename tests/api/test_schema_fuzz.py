"""schemathesis against ``/api/v1/schema/``: every operation with generated input, valid and
invalid, as a signed-in user holding every role, as an institution client, and as each staff
role alone (clerk, manager, auditor, policy administrator: their refusals are other code paths
than the superuser's). No response may be a server error or break the schema it documents; a
refusal (4xx) is JSON in Chinese (``refusals_in_chinese``) and writes no row.

Bounded for CI: ``SCHEMATHESIS_EXAMPLES`` examples per operation (default 25; as many for the
four single roles together, each case going as one of them); set it higher for a longer run, e.g.
``SCHEMATHESIS_EXAMPLES=500 make test PYTEST_ARGS=tests/api``.
"""

import hashlib
import os
import re
from datetime import date

import pytest
import schemathesis
from django.apps import apps
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
)

from config.wsgi import application
from enrollment.models import InstitutionUser
from policies.models import Region
from policies.services import policies_load_seeds
from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN
from tests.factories import EmployerFactory, InstitutionFactory, PersonFactory, UserFactory

CHINESE = re.compile("[\u4e00-\u9fff]")


def _texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)


@schemathesis.check
def refusals_in_chinese(ctx, response, case):
    """A refusal (4xx) is a JSON body whose every message is in Chinese (English-only DRF and
    decoder messages were a bug): the client's developer and the clerk read the same reason."""
    if not 400 <= response.status_code < 500:
        return None
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"a {response.status_code} without a JSON body") from None
    english = [text for text in _texts(body) if not CHINESE.search(text)]
    if english or not body:
        raise AssertionError(f"a refusal not in Chinese: {english or body!r}")
    return True


EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
STAFF_ROLES = (CLERK, MANAGER, AUDITOR, POLICY_ADMIN)
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    refusals_in_chinese,
]


def _schema():
    """The schema ``/api/v1/schema/`` serves, requests sent to the WSGI application."""
    from drf_spectacular.generators import SchemaGenerator

    loaded = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
    loaded.app = application
    return loaded


schema = _schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Like Django's test client: a request's end must not close the test's connection (and
    roll back its transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    """Data the generated ids may hit: seeded regions, an employer, a hospital, a few persons."""
    policies_load_seeds()
    wuhan = Region.objects.get(code="420100")
    employer = EmployerFactory(code="WH1", region=wuhan)
    hospital = InstitutionFactory(code="H1", region=wuhan, level="1")
    for _ in range(3):
        PersonFactory(region=wuhan, employer=employer, benefits_from=date(2023, 1, 1))
    everyone = UserFactory(username="root", is_superuser=True, is_staff=True)
    institution = UserFactory(username="hospital", roles=["institution"])
    InstitutionUser.objects.create(user=institution, institution=hospital)
    tokens = {
        "superuser": Token.objects.create(user=everyone).key,
        "institution": Token.objects.create(user=institution).key,
    }
    for role in STAFF_ROLES:
        tokens[role] = Token.objects.create(user=UserFactory(username=role, roles=[role])).key
    return tokens


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI stays repeatable
    suppress_health_check=list(HealthCheck),
)


# The rows a request may write: a refused one (4xx) writes none of them.
WRITTEN = ["enrollment.Person", "enrollment.Employer", "enrollment.Institution",
           "enrollment.InpatientStay", "enrollment.OutOfRegionFiling", "claims.Settlement",
           "claims.ChronicCertification", "claims.InpatientTotal", "accounts.LedgerEntry",
           "family_sharing.SharingAuthorisation", "family_sharing.PremiumPayment", "jobs.Job",
           "policies.Region", "policies.PolicyVersion", "policies.PolicyDraft",
           "staff.AuditEvent", "staff.ReviewRequest"]  # fmt: skip


def _rows() -> tuple:
    return tuple(apps.get_model(label).objects.count() for label in WRITTEN)


def _call(case, token: str) -> None:
    """The case sent with the checks; a refusal (4xx) must have written nothing."""
    before = _rows()
    response = case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
    if 400 <= response.status_code < 500:
        after = _rows()
        changed = [label for label, a, b in zip(WRITTEN, before, after, strict=True) if a != b]
        assert not changed, f"a {response.status_code} wrote rows: {changed}"


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_as_a_user_holding_every_role(case, world):
    _call(case, world["superuser"])


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_as_an_institution_client(case, world):
    _call(case, world["institution"])


def _role_of(case) -> str:
    """A staff role chosen by the case's own content: the same case always goes as the same
    role (Hypothesis replays and shrinks it), and the cases spread over the four roles."""
    drawn = repr((case.path_parameters, case.query, case.body, case.headers))
    return STAFF_ROLES[hashlib.sha256(drawn.encode()).digest()[0] % len(STAFF_ROLES)]


@pytest.mark.slow
@schema.parametrize()
@FUZZ
def test_as_each_staff_role(case, world):
    """One test (one world) per operation for the four roles: a role per case."""
    _call(case, world[_role_of(case)])
