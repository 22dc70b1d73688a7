"""Settings come from the environment: defaults, overrides and the production checks."""

import json
import subprocess
import sys

import pytest
from django.db import connection

from tests.helpers.procs import ROOT, manage, project_env

PROBE = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "host": db.get("HOST"), "conn_max_age": db.get("CONN_MAX_AGE"), "debug": settings.DEBUG, "hosts": settings.ALLOWED_HOSTS,
    "cache": settings.CACHES["default"]["BACKEND"], "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "secure_cookies": getattr(settings, "SESSION_COOKIE_SECURE", False),
}))
"""


def probe(**env: str) -> dict:
    base = project_env(**env)
    for name in ("DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS"):
        if name not in env:
            base.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_default_is_sqlite_in_the_project_folder_tuned_for_concurrent_writers():
    s = probe()
    assert s["engine"] == "config.db.sqlite3"  # Django's; flush empties append-only tables
    assert s["name"] == str(ROOT / "db.sqlite3")
    assert s["options"]["transaction_mode"] == "IMMEDIATE"
    assert s["options"]["timeout"] >= 20
    assert "journal_mode=WAL" in s["options"]["init_command"]


def test_database_url_selects_postgresql():
    s = probe(DATABASE_URL="postgres://postgres@db.example:5433/bureau")
    assert s["engine"] == "config.db.postgresql"  # Django's, with a cheaper health check
    assert (s["name"], s["host"]) == ("bureau", "db.example")
    # No persistent connections unless the server reuses its threads (gunicorn's config sets
    # CONN_MAX_AGE; see tests/config/test_connections.py).
    assert s["conn_max_age"] == 0


def test_without_redis_tasks_run_in_process_and_cache_is_local_memory():
    s = probe()
    assert s["eager"] is True
    assert s["cache"].endswith("LocMemCache")


def test_redis_url_makes_redis_the_broker_and_the_cache():
    s = probe(REDIS_URL="redis://127.0.0.1:6379/3")
    assert s["eager"] is False
    assert s["broker"] == "redis://127.0.0.1:6379/3"
    assert s["cache"].endswith("RedisCache")


def test_allowed_hosts_and_debug_parsed():
    s = probe(ALLOWED_HOSTS="ybj.example.cn,10.0.0.5", DEBUG="1")
    assert s["hosts"] == ["ybj.example.cn", "10.0.0.5"]
    assert s["debug"] is True


def test_debug_off_without_secret_key_is_refused():
    env = project_env(DJANGO_SETTINGS_MODULE="config.settings")
    env.pop("SECRET_KEY")
    out = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in out.stderr


def test_production_settings_pass_check_deploy():
    env = project_env(
        SECRET_KEY="p" + "rod-Secret-Key-With-Enough-Variety-0123456789-abcdefghijk",
        ALLOWED_HOSTS="ybj.example.cn",
        SECURE_SSL_REDIRECT="1",
    )
    env.pop("DATABASE_URL", None)
    out = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


@pytest.mark.django_db
def test_suite_runs_on_postgresql_when_database_url_says_so(postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")
