"""Persistent database connections only where the server reuses its threads.

runserver starts a thread per request: with ``CONN_MAX_AGE`` above 0 each thread's connection
stayed open after its request, and about a hundred requests later PostgreSQL refused new
clients. Django's default (a connection per request) holds under runserver; gunicorn's config
sets ``CONN_MAX_AGE`` for its pooled threads."""

import runpy
import subprocess
import sys
import time
import urllib.request

from django.db import connection
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory
from tests.helpers.procs import ROOT, database_url_of_current_connection, free_port, project_env

REQUESTS = 40


def test_gunicorn_config_turns_persistent_connections_on(monkeypatch):
    monkeypatch.delenv("CONN_MAX_AGE", raising=False)
    config = runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))
    assert "CONN_MAX_AGE=60" in config["raw_env"]
    monkeypatch.setenv("CONN_MAX_AGE", "30")  # the operator's value wins
    assert "CONN_MAX_AGE=30" in runpy.run_path(str(ROOT / "config" / "gunicorn.conf.py"))["raw_env"]


def _server_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        return cursor.fetchone()[0]


def test_runserver_on_postgresql_does_not_keep_a_connection_per_request(postgres_tx):
    token = Token.objects.create(user=UserFactory(roles=["clerk"])).key
    port = free_port()
    env = project_env(DATABASE_URL=database_url_of_current_connection(), DEBUG="1")
    env.pop("CONN_MAX_AGE", None)
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answered, deadline = 0, time.monotonic() + 120
        while answered < REQUESTS and time.monotonic() < deadline:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/regions/",
                headers={"Authorization": f"Token {token}"},
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    assert response.status == 200
                    answered += 1
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert answered == REQUESTS
        time.sleep(0.5)
        # Each request's thread closed its connection when it ended (at most one in flight).
        assert _server_connections() <= 1
    finally:
        server.terminate()
        server.wait(timeout=20)
