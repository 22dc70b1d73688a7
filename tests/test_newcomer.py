"""The newcomer's path on an empty SQLite database: migrate, load the demo, serve a login page.

(`make install` itself is exercised by `.ci/run`, which runs `make test` in a fresh clone.)
"""

import subprocess
import sys
import time
import urllib.request

import pytest

from tests.helpers.procs import ROOT, free_port, manage, project_env

pytestmark = pytest.mark.slow


def test_migrate_demo_and_serve_on_an_empty_sqlite_database(tmp_path):
    env = project_env(DATABASE_URL=f"sqlite:///{tmp_path / 'newcomer.sqlite3'}", DEBUG="1")
    env.pop("REDIS_URL", None)

    migrated = manage("migrate", "--no-input", env=env)
    assert migrated.returncode == 0, migrated.stderr

    first = manage("load_demo", env=env)
    assert first.returncode == 0, first.stderr
    lines = {
        line.split()[0]: line.split() for line in first.stdout.splitlines() if line.startswith("  ")
    }
    assert {"admin", "clerk", "manager"} <= set(lines)
    assert all(len(fields[1]) >= 10 for fields in lines.values())  # a generated password each

    again = manage("load_demo", env=env)
    assert again.returncode == 0, again.stderr
    assert "passwords are unchanged" in again.stdout

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        body = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/accounts/login/", timeout=5
                ) as r:
                    assert r.status == 200
                    body = r.read().decode()
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert body is not None, "the server did not answer"
        assert "登录" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=5) as r:
            assert r.status == 200
    finally:
        server.terminate()
        server.wait(timeout=20)
