"""The API's answer to database errors: every one is logged with its traceback; only a
connection that really broke is the 503 "connection interrupted" (send the same request again),
any other (here a lock not granted in time) is a 500."""

import json
import logging
import traceback

import psycopg
import pytest
from django.db import connection
from django.test import Client
from rest_framework.authtoken.models import Token

from accounts.models import LedgerEntry
from claims.models import Settlement
from enrollment.models import InstitutionUser
from tests.claims.test_faults import _drop_before_commit
from tests.claims.test_settlement import _world
from tests.factories import UserFactory


def _client_and_body(number: str):
    person, account, hospital = _world()
    user = UserFactory(roles=["institution"])
    InstitutionUser.objects.create(user=user, institution=hospital)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    body = {
        "claim_number": number,
        "person": person.pk,
        "institution": hospital.pk,
        "visit_date": "2026-03-01",
        "benefit": "general_outpatient",
        "total_amount": "1200.00",
    }
    return client, body, account


def _post(client, body):
    return client.post("/api/v1/claims/", json.dumps(body), content_type="application/json")


def _logged(caplog, text: str) -> logging.LogRecord:
    records = [
        r for r in caplog.records if r.name == "staff.api_errors" and r.levelno >= logging.ERROR
    ]
    assert records, "nothing logged"
    record = records[-1]
    assert record.exc_info
    assert text in "".join(traceback.format_exception(*record.exc_info))
    return record


def test_a_database_error_on_a_live_connection_is_a_logged_500_not_a_503(postgres_tx, caplog):
    client, body, account = _client_and_body("LOCKED-1")
    connection.ensure_connection()
    info = connection.connection.info
    url = f"host={info.host} port={info.port} dbname={info.dbname} user={info.user}"
    with psycopg.connect(url) as other:  # another session holds the account's row lock
        other.execute(
            "SELECT id FROM accounts_personalaccount WHERE id = %s FOR UPDATE", [account.pk]
        )
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '300ms'")
        try:
            response = _post(client, body)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        other.rollback()
    assert response.status_code == 500, response.content
    assert response.json()["detail"]
    assert "Retry-After" not in response
    _logged(caplog, "lock")
    assert connection.is_usable()  # the connection did not break
    assert not Settlement.objects.exists()
    assert _post(client, body).status_code == 201  # nothing was half-written


def test_a_broken_connection_is_a_logged_503(postgres_tx, monkeypatch, caplog):
    client, body, _account = _client_and_body("DROP-3")
    _drop_before_commit(monkeypatch)
    response = _post(client, body)
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == "1"
    _logged(caplog, "terminat")
    connection.close()
    assert not LedgerEntry.objects.filter(kind="claim_debit").exists()


# --- Refusals in Chinese (found by schemathesis with the refusals_in_chinese check) -----------


def _api(*roles):
    from tests.api.test_bad_input import api

    return api(*roles)


def test_a_role_refusal_is_in_chinese(db):
    """``has_role``'s message was an English literal."""
    response = _api("clerk").post("/api/v1/regions/", {"code": "999999", "name": "x"}, "json")
    assert response.status_code == 403
    assert response.json() == {"detail": "您的角色无权执行此操作。"}


def test_a_row_that_is_not_there_is_not_found_in_chinese(db):
    """get_object_or_404's message is English and names the model (``No ChronicCertification
    matches the given query.``)."""
    for path in ("/api/v1/chronic-certifications/0/revoke/", "/api/v1/family-sharing/0/revoke/"):
        response = _api("clerk").post(path, {"reason": "x"}, "json")
        assert response.status_code == 404, path
        assert response.json() == {"detail": "未找到。"}


def test_an_api_url_that_matches_no_route_is_a_json_404(db, client):
    """``/api/v1/claims/abc/`` (an id that is no number) was the pages' HTML 404."""
    response = _api("clerk").get("/api/v1/claims/null,null/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。"}
    page = client.get("/enrollment/nothing-here/")  # the pages keep their own 404 page
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/employers/", "/api/v1/claims/", "/api/v1/auth/token/"])
def test_a_body_of_json_null_is_refused_in_chinese(db, path):
    """DRF's ``No data provided`` is English only."""
    from enrollment.models import Employer

    response = _api("clerk").post(path, "null", content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": ["未提供数据：请以 JSON 对象发送各字段。"]}
    assert not Employer.objects.exists() and not Settlement.objects.exists()


def test_a_broken_multipart_body_is_refused_in_chinese(db):
    """Django's multipart parser's reason (``Request max total header size exceeded.``) was
    shown in English."""
    body = b"--b\r\n" + b"X-Junk: " + b"a" * 20_000 + b"\r\n\r\nx\r\n--b--\r\n"
    for path in ("/api/v1/imports/payroll/", "/api/v1/imports/catalogue/", "/api/v1/employers/"):
        response = _api("clerk").post(path, body, content_type="multipart/form-data; boundary=b")
        assert response.status_code == 400, (path, response.content)
        assert response.json() == {"detail": "请求正文不是有效的 multipart 表单（文件上传）。"}
