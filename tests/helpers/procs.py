"""Starting the project's own processes (manage.py, celery) for integration tests."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_of_current_connection() -> str:
    """A DATABASE_URL naming the database the tests use right now (the test database)."""
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = s["USER"] or ""
        if s["PASSWORD"]:
            auth += f":{s['PASSWORD']}"
        auth = f"{auth}@" if auth else ""
        return f"postgres://{auth}{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return f"sqlite:///{s['NAME']}"


def project_env(**overrides: str) -> dict[str, str]:
    """The environment of a production-like process: no .env file, DEBUG off."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        ENV_FILE="",
        DEBUG="0",
        SECRET_KEY="integration-tests-only-" + "k" * 40,
        SECURE_SSL_REDIRECT="0",
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start_worker(queue: str, redis_url: str, *, loglevel: str = "WARNING", **env: str):
    """A real Celery worker (solo pool) on ``queue``, against the tests' database and Redis.

    Started in its own session so a test can SIGKILL it with ``os.killpg``; its output is
    captured (read it after the worker has stopped)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--loglevel={loglevel}",
        ],
        cwd=ROOT,
        env=project_env(
            DATABASE_URL=database_url_of_current_connection(),
            REDIS_URL=redis_url,
            CELERY_QUEUE=queue,
            LOG_LEVEL=loglevel,  # the worker logs through the project's handlers
            **env,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
