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


@pytest.mark.sqlite_file
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


def readme_production_commands() -> list[list[str]]:
    """The ``manage.py`` commands of the README's production steps, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Production", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        if "manage.py" in line:
            command = line.split("#", 1)[0].split("manage.py", 1)[1].split()
            commands.append(command)
    return commands


def test_the_readme_production_steps_give_a_fresh_postgresql_database_its_regions(postgres_tx):
    """Every ``manage.py`` step of the README's production block, on a new empty database, with
    production settings; then every seeded region is there with a policy in force."""
    import json

    import psycopg
    from django.db import connection

    from tests.helpers.procs import database_url_of_current_connection

    commands = readme_production_commands()
    assert ["migrate"] in commands
    fresh = f"{connection.settings_dict['NAME']}_readme"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    url = database_url_of_current_connection().rsplit("/", 1)[0] + f"/{fresh}"
    env = project_env(
        DATABASE_URL=url,
        SECRET_KEY="p" + "rod-Secret-Key-With-Enough-Variety-0123456789-abcdefghijk",
        ALLOWED_HOSTS="ybj.example.cn",
        SECURE_SSL_REDIRECT="1",
    )
    env.pop("REDIS_URL", None)
    try:
        for command in commands:
            if command[0] == "collectstatic":
                continue  # writes into the checkout's staticfiles/; nothing to do with the data
            done = manage(*command, env=env, timeout=600)
            assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])
        seeded = {
            json.loads(p.read_text(encoding="utf-8"))["region"]["code"]
            for p in (ROOT / "policies" / "seeds").glob("*.json")
        }
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as db:
            regions = {
                code
                for (code,) in db.execute(
                    "SELECT r.code FROM policies_region r WHERE EXISTS (SELECT 1 FROM"
                    " policies_policyversion v WHERE v.region_id = r.id AND v.effective_from"
                    " <= CURRENT_DATE AND (v.effective_to IS NULL OR v.effective_to >="
                    " CURRENT_DATE))"
                )
            }
        assert seeded and regions == seeded
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')
