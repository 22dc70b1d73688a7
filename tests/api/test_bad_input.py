"""Bad input found by outside testing (issue 16): each was a 500, an ignored filter, a
non-ASCII number taken as a number, or a figure echoed as ``-0.00``; each is now a 400 with a
message naming the field (in Chinese), and nothing is written."""

import io
import json

import pytest
from django.db import connection
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Settlement
from enrollment.models import Employer
from family_sharing.models import SharingAuthorisation
from jobs.models import Job
from tests.claims.test_settlement import _world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api(*roles) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    user = UserFactory(roles=list(roles))
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def world():
    return _world()


def claim_body(patient, hospital, /, **changes) -> dict:
    return {
        "claim_number": "C1",
        "person": patient.pk,
        "institution": hospital.pk,
        "visit_date": "2026-03-01",
        "benefit": "general_outpatient",
        "total_amount": "1200.00",
        **changes,
    }


@pytest.mark.parametrize("query", ["person=abc", "institution=abc", "person=٣", "person=²"])
def test_claim_list_with_an_id_that_is_not_a_number_is_a_400(query):
    response = api("clerk").get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()


@pytest.mark.parametrize("query", ["status=bogus", "benefit=bogus"])
def test_claim_list_with_an_unknown_enum_is_a_400_not_ignored(query):
    response = api("clerk").get(f"/api/v1/claims/?{query}")
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()


def test_claim_list_filters_still_filter(world):
    person, _account, hospital = world
    client = api("clerk")
    assert client.post("/api/v1/claims/", claim_body(person, hospital), format="json").status_code
    assert client.get(f"/api/v1/claims/?person={person.pk}&status=settled").json()["count"] == 1
    assert client.get(f"/api/v1/claims/?person={person.pk + 1}").json()["count"] == 0


@pytest.mark.parametrize("query", ["holder=²", "member=٣", "holder=abc", "status=bogus"])
def test_family_sharing_list_bad_filters_are_a_400(query):
    response = api("clerk").get(f"/api/v1/family-sharing/?{query}")
    assert response.status_code == 400, response.content
    assert query.split("=")[0] in response.json()
    assert SharingAuthorisation.objects.count() == 0


DEEP = "[" * 50_000 + "]" * 50_000


@pytest.mark.parametrize(
    ("path", "anonymous"),
    [("/api/v1/auth/token/", True), ("/api/v1/claims/", False), ("/api/v1/employers/", False)],
)
def test_json_nested_50000_deep_is_a_400(path, anonymous):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans") if anonymous else api("clerk")
    response = client.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert "64" in response.json()["detail"]
    # A deep object inside an ordinary body, and brackets inside strings do not count.
    body = '{"username": "[[[[' + "[" * 100 + '", "password": ' + "[" * 70 + "]" * 70 + "}"
    assert client.post(path, body, content_type="application/json").status_code == 400
    assert not Employer.objects.exists() and not Settlement.objects.exists()


def test_brackets_inside_strings_are_not_nesting():
    from staff.parsers import too_deep

    assert not too_deep(json.dumps({"memo": "[" * 1000}))
    assert too_deep(json.dumps({"a": [[[[1]]]]}), limit=3)
    assert not too_deep(json.dumps({"a": [[[1]]]}), limit=4)


def test_account_to_year_9999_is_a_400(world):
    person, _account, _hospital = world
    response = api("clerk").get(f"/api/v1/persons/{person.pk}/account/?to=9999-12-31")
    assert response.status_code == 400, response.content
    assert "date_to" in response.json()
    ok = api("clerk").get(f"/api/v1/persons/{person.pk}/account/?to=2999-12-31")
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/persons/{pk}/statement/?date_to=9999-12-31",
        "/accounts/persons/{pk}/statement/?date_from=２０２６-01-01",
        "/family-sharing/statement/{pk}/?date_to=9999-12-31",
        "/audit/?end=9999-12-31",
        "/dashboards/?start=9999-12&end=9999-12",
        "/dashboards/?start=２０２６-01",
        "/policies/420100/?on=notadate",
        "/policies/420100/?on=9999-12-31",
    ],
)
def test_pages_answer_400_for_out_of_range_dates(world, client, url):
    person, _account, _hospital = world
    client.force_login(UserFactory(roles=["clerk", "manager", "auditor", "policy_admin"]))
    response = client.get(url.format(pk=person.pk), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400, url


def test_api_policy_on_not_a_date_is_a_400(world):
    response = api("clerk").get("/api/v1/regions/420100/policy/?on=notadate")
    assert response.status_code == 400 and "on" in response.json()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("visit_date", "２０２６-03-01"),
        ("visit_date", "٢٠٢٦-03-01"),
        ("total_amount", "１２００.00"),
        ("total_amount", "1٢00.00"),
        ("self_pay_amount", "１0.00"),
        ("person", "٣"),
        ("claim_number", "C１"),
    ],
)
def test_claims_with_other_digits_are_refused_naming_the_field(world, field, value):
    person, _account, hospital = world
    body = claim_body(person, hospital, **{field: value})
    for path in ("/api/v1/claims/preview/", "/api/v1/claims/"):
        response = api("clerk").post(path, body, format="json")
        assert response.status_code == 400, response.content
        [message] = response.json()[field]
        assert "半角数字" in message or "无效" in message or "类型" in message, message
    assert not Settlement.objects.exists()


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/employers/", {"code": "E４2", "name": "厂", "region": "420100"}, "code"),
        (
            "/api/v1/jobs/",
            {"kind": "selfcheck", "steps": "٣"},
            "steps",
        ),
    ],
)
def test_codes_and_counts_with_other_digits_are_refused(world, path, body, field):
    response = api("clerk", "manager").post(path, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Employer.objects.filter(name="厂").exists() and not Job.objects.exists()


def test_negative_zero_is_never_echoed(world):
    person, _account, hospital = world
    body = claim_body(person, hospital, self_pay_amount="-0.00", class_b_amount="-0.00")
    preview = api("clerk").post("/api/v1/claims/preview/", body, format="json")
    assert preview.status_code == 200, preview.content
    created = api("clerk").post("/api/v1/claims/", body, format="json")
    assert created.status_code == 201, created.content
    for data in (preview.json(), created.json()):
        assert "-0.00" not in json.dumps(data)
        assert data["self_pay_amount"] == "0.00"


def test_the_bad_value_page_says_its_charset(rf):
    from django.db import DataError
    from django.utils import translation

    from staff.middleware import BadValueMiddleware

    with translation.override("zh-hans"):
        page = BadValueMiddleware(lambda r: None).process_exception(rf.get("/"), DataError())
    assert page.status_code == 400
    assert page["Content-Type"] == "text/plain; charset=utf-8"
    assert "NUL" in page.content.decode("utf-8") and "提交" in page.content.decode("utf-8")


def test_the_bad_value_page_on_postgres_says_its_charset(postgres, client, rf):
    # The search forms now refuse a NUL themselves (an HTML page, the message beside the field,
    # with its charset); a value only the database refuses still meets the middleware's page.
    client.force_login(UserFactory(roles=["clerk"]))
    page = client.get("/enrollment/persons/", {"q": "王\x00"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert "NUL" in page.content.decode("utf-8")
    from django.db import DataError

    from staff.middleware import BadValueMiddleware

    answer = BadValueMiddleware(lambda r: None).process_exception(rf.get("/"), DataError("x"))
    assert answer.status_code == 400
    assert answer["Content-Type"] == "text/plain; charset=utf-8"
    assert "提交" in answer.content.decode("utf-8")


def test_the_schema_says_who_decided_can_be_null():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    nullable = {
        (name, field)
        for name, component in components.items()
        for field, spec in component.get("properties", {}).items()
        if field in ("decided_by", "granted_by", "revoked_by", "created_by")
        and spec.get("nullable")
    }
    fields = {
        (name, field)
        for name, component in components.items()
        for field in component.get("properties", {})
        if field in ("decided_by", "granted_by", "revoked_by", "created_by")
    }
    assert fields and nullable == fields


def test_the_jobs_api_never_shows_server_paths(
    tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    upload = io.BytesIO(b"id_number,name,employer_code,period,contribution_base\n")
    upload.name = "payroll.csv"
    client = api("clerk")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/imports/payroll/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    for data in (response.json(), client.get(f"/api/v1/jobs/{response.json()['id']}/").json()):
        assert "path" not in data["parameters"] and str(tmp_path) not in json.dumps(data)
        assert data["parameters"]["filename"] == "payroll.csv"
    listing = json.dumps(client.get("/api/v1/jobs/").json())
    assert str(tmp_path) not in listing and connection.vendor
