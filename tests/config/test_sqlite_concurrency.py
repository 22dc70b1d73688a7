"""The embedded default (SQLite) must queue concurrent writers, not fail them."""

import subprocess
import sys

import pytest

from tests.helpers.procs import ROOT, manage, project_env


@pytest.mark.slow
@pytest.mark.sqlite_file
def test_concurrent_writers_on_sqlite_never_see_database_is_locked(tmp_path):
    env = project_env(DATABASE_URL=f"sqlite:///{tmp_path / 'embedded.sqlite3'}")
    env.pop("REDIS_URL", None)
    migrated = manage("migrate", "--no-input", env=env)
    assert migrated.returncode == 0, migrated.stderr
    out = subprocess.run(
        [sys.executable, "tests/helpers/sqlite_writers.py"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "jobs=200 failures=0" in out.stdout
