"""The PostgreSQL backend's health check reads the socket instead of sending ``SELECT 1``: a
connection the server has closed is replaced before the request uses it; a live one is kept."""

import time

import psycopg
import pytest
from django.core import signals
from django.db import connection

pytestmark = pytest.mark.usefixtures("postgres_tx")


@pytest.fixture(autouse=True)
def persistent_connections(postgres_tx, monkeypatch):
    """Persistent connections, as gunicorn's config sets them (CONN_MAX_AGE; the default is a
    connection per request, see tests/config/test_connections.py)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()  # the next connection is opened with the setting
    yield
    connection.close()


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def next_request() -> None:
    """What Django does between two requests on a persistent connection."""
    signals.request_finished.send(sender=None)
    signals.request_started.send(sender=None)


def test_a_live_connection_is_kept():
    first = backend_pid()
    assert connection.is_usable()
    next_request()
    assert backend_pid() == first  # the same server process: not reconnected


def test_a_connection_the_server_closed_is_replaced_before_use():
    first = backend_pid()
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"] or "127.0.0.1",
        port=s["PORT"] or 5432,
        dbname=s["NAME"],
        user=s["USER"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [first])
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.01)  # the FATAL message reaches the socket
    assert not connection.is_usable()
    next_request()
    assert backend_pid() != first  # a fresh connection, and the query ran
