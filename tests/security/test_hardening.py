"""Login throttling, the content security policy, deployment settings, secrets from the
environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_login_page_then_right_one_is_refused(client):
    UserFactory(username="clerk1", roles=["clerk"])
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "clerk1", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    fifth = client.post(reverse("login"), {"username": "clerk1", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post(reverse("login"), {"username": "clerk1", "password": PASSWORD})
    assert locked.status_code == 429
    assert "30" in locked.content.decode()  # minutes to wait, said in the page
    assert "_auth_user_id" not in client.session
    # Another user from the same address is not locked out.
    UserFactory(username="clerk2", roles=["clerk"])
    other = client.post(reverse("login"), {"username": "clerk2", "password": PASSWORD})
    assert other.status_code == 302


@pytest.mark.django_db
def test_the_token_endpoint_is_throttled_too_and_answers_json(client):
    UserFactory(username="hospital1", roles=["institution"])
    url = "/api/v1/auth/token/"
    for _ in range(4):
        assert client.post(url, {"username": "hospital1", "password": "bad"}).status_code == 400
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username="hospital1").failures_since_start == 4
    assert client.post(url, {"username": "hospital1", "password": "bad"}).status_code == 429
    locked = client.post(url, {"username": "hospital1", "password": PASSWORD})
    assert locked.status_code == 429
    assert "detail" in locked.json()


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client):
    client.force_login(UserFactory(roles=["clerk"]))
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECRET_KEY")}
    environment.update(ENV_FILE="", DATABASE_URL="sqlite:///:memory:", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="Vq8#x2!mZ0pLr7$wT4^eN9@cB1&hY6*kJ3(dF5)gS8-aU0+iO2=" * 2,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_a_secret_key_in_the_environment_the_server_does_not_start():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr
