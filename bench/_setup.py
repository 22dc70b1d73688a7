"""Shared set-up: a fresh benchmark database, migrated, with the seeded policies."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")


def django_setup(fresh: bool = True, database: str = "bench_mutual_aid") -> None:
    url = f"{SERVER}/{database}"
    sys.path.insert(0, str(ROOT))
    os.environ.update(
        DATABASE_URL=url,
        ENV_FILE="",
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    os.environ.pop("REDIS_URL", None)
    if fresh:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
            conn.execute(f'CREATE DATABASE "{database}"')
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            check=True,
            env=os.environ.copy(),
        )
    import django

    django.setup()
    from policies.services import policies_load_seeds

    if fresh:
        policies_load_seeds()


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
