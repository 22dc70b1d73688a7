"""Shared fixtures. Services are real: PostgreSQL, Redis, a Celery worker, Debian's chromium.

A test that needs a service asks for ``postgres``, ``redis_url`` or ``browser_path``. When the
service is missing it is skipped, unless the matching ``REQUIRE_*=1`` variable is set (as
``.ci/run`` does), in which case it fails.
"""

import os
import shutil

import pytest
from django.db import connection

from config.celery import app as celery_app


def _missing(service: str, flag: str, why: str):
    if os.environ.get(flag) == "1":
        pytest.fail(f"{service} is required ({flag}=1) but {why}")
    pytest.skip(f"{service} not available: {why}")


# A test asking for none of these (and not marked ``django_db`` or ``slow``) touches no database
# and no service: it runs alike on the SQLite default and on the real services.
_SERVICE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_setup",
    "live_server",
    "postgres",
    "postgres_tx",
    "redis_url",
    "browser_path",
}


def pytest_collection_modifyitems(config, items):
    """``SKIP_SERVICE_FREE=1`` (CI's second pass, on PostgreSQL, Redis and chromium) leaves out
    the tests that use no database and no service: the first pass (SQLite default) has just run
    them, and they cannot behave differently (pure calculator properties, parsers, settings
    checks in their own subprocess), nor the slow ones marked ``sqlite_file`` (they make their
    own SQLite file and need no service: the first pass runs them too). Everything touching a
    database or a service runs in both."""
    if os.environ.get("SKIP_SERVICE_FREE") != "1":
        return
    keep, left_out = [], []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        slow_here = item.get_closest_marker("slow") and not item.get_closest_marker("sqlite_file")
        if names & _SERVICE_FIXTURES or item.get_closest_marker("django_db") or slow_here:
            keep.append(item)
        else:
            left_out.append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = keep


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        _missing("PostgreSQL", "REQUIRE_POSTGRES", f"the database is {connection.vendor}")
    return connection


@pytest.fixture
def postgres_tx(transactional_db):
    """PostgreSQL with real commits (threads, worker processes and servers see the data)."""
    if connection.vendor != "postgresql":
        _missing("PostgreSQL", "REQUIRE_POSTGRES", f"the database is {connection.vendor}")
    return connection


@pytest.fixture(scope="session")
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        _missing("Redis", "REQUIRE_REDIS", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _missing("Redis", "REQUIRE_REDIS", f"{url} does not answer ({exc})")
    return url


@pytest.fixture(scope="session")
def browser_path():
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        _missing("Chromium", "REQUIRE_BROWSER", f"{path} does not exist")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        _missing("Chromium", "REQUIRE_BROWSER", f"playwright is not installed ({exc})")
    return path


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks run in-process unless a test drives a real worker (marker ``celery_worker``)."""
    eager = request.node.get_closest_marker("celery_worker") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _review_off_unless_asked(request, settings):
    """Two-person review (staff.reviews) is on by default for large reversals, certification
    approvals and publications. The suite's tests of those acts check what the act does, at
    once, as one user; they run with review off. Tests of the review itself (marker
    ``review``) keep the configured defaults and switch what they need."""
    if request.node.get_closest_marker("review") is None:
        settings.REVIEW_REVERSAL_ABOVE = None
        settings.REVIEW_CERTIFICATION_APPROVAL = False
        settings.REVIEW_POLICY_PUBLICATION = False
