"""The jobs API: POST /api/v1/jobs/, GET /api/v1/jobs/{id}/."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from jobs.models import Job
from staff.roles import AUDITOR, INSTITUTION, MANAGER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def client_for(*roles) -> tuple[APIClient, object]:
    user = UserFactory(roles=list(roles))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client, user


def test_anonymous_is_refused():
    assert (
        APIClient().post("/api/v1/jobs/", {"kind": "selfcheck"}, format="json").status_code == 401
    )
    assert APIClient().get("/api/v1/jobs/1/").status_code == 401


def test_manager_starts_a_job_and_reads_it(django_capture_on_commit_callbacks):
    client, _ = client_for(MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/jobs/", {"kind": "selfcheck", "steps": 5}, format="json")
    assert response.status_code == 201, response.content
    job_id = response.json()["id"]
    body = client.get(f"/api/v1/jobs/{job_id}/").json()
    assert body["status"] == "succeeded"
    assert (body["progress"], body["total"], body["errors"]) == (5, 5, [])
    assert set(body) >= {"id", "kind", "status", "progress", "total", "errors"}


def test_bad_input_is_a_400_naming_the_field():
    client, _ = client_for(MANAGER)
    response = client.post("/api/v1/jobs/", {"kind": "selfcheck", "steps": "x"}, format="json")
    assert response.status_code == 400
    assert "steps" in response.json()
    assert client.post("/api/v1/jobs/", {}, format="json").json().keys() == {"kind"}
    bad_json = client.post("/api/v1/jobs/", "{not json", content_type="application/json")
    assert bad_json.status_code == 400 and "detail" in bad_json.json()
    assert not Job.objects.exists()


def test_auditor_reads_but_cannot_start():
    client, _ = client_for(AUDITOR)
    assert client.post("/api/v1/jobs/", {"kind": "selfcheck"}, format="json").status_code == 403
    assert client.get("/api/v1/jobs/").status_code == 200


def test_institution_client_sees_only_its_own_jobs():
    client, _ = client_for(INSTITUTION)
    other = Job.objects.create(kind="selfcheck", created_by=UserFactory(roles=[MANAGER]))
    assert client.get(f"/api/v1/jobs/{other.pk}/").status_code == 404
    assert client.get("/api/v1/jobs/").json()["count"] == 0


def test_token_endpoint():
    UserFactory(username="clerk1", password="s3cret-Passw0rd")
    ok = APIClient().post(
        "/api/v1/auth/token/", {"username": "clerk1", "password": "s3cret-Passw0rd"}, format="json"
    )
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    bad = APIClient().post(
        "/api/v1/auth/token/", {"username": "clerk1", "password": "nope"}, format="json"
    )
    assert bad.status_code == 400


def test_schema_and_docs_are_served_offline():
    # For the API's users, signed in (anonymous visitors are refused).
    assert APIClient().get("/api/v1/schema/").status_code in (401, 403)
    assert APIClient().get("/api/v1/docs/").status_code in (401, 403)
    client = APIClient()
    client.force_authenticate(UserFactory(username="schema-reader", roles=["institution"]))
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/jobs/" in schema.content and b"/api/v1/auth/token/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "drf_spectacular_sidecar" in html or "/static/" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html


def test_a_running_job_names_the_pass_its_progress_counts():
    """A payroll job counts its rows in each pass (checked, then credited) from 0: the API
    says which pass the figures are, as the page does; "" once the job has ended."""
    from django.core.cache import cache

    from jobs.progress import cache_key

    client, user = client_for(MANAGER)
    job = Job.objects.create(
        kind="payroll_import", status="running", progress=2, total=2, created_by=user
    )
    cache.set(cache_key(job), {"progress": 1, "total": 2, "stage": "credit"})
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["stage"], body["progress"], body["total"]) == ("credit", 1, 2)
    Job.objects.filter(pk=job.pk).update(status="succeeded")
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert (body["stage"], body["progress"], body["total"]) == ("", 2, 2)
