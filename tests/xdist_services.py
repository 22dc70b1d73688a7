"""Loaded early (``-p tests.xdist_services`` in pytest's addopts): under pytest-xdist each worker
process gets a Redis database of its own, before Django's settings read ``REDIS_URL``.

pytest-django already gives each worker its own test database (``test_…_gw0``); Redis has no
such suffix, and two workers on one Redis database would share the cache (cached policy
documents, lockouts) and the Celery queues their worker processes consume. Worker ``gwN`` uses
the database ``base + 1 + N`` (mod 16). Without xdist nothing changes."""

import os
from urllib.parse import urlsplit, urlunsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _worker[2:].isdigit() and _url:
    parts = urlsplit(_url)
    path = parts.path.strip("/")
    base = int(path) if path.isdigit() else 0
    db = (base + 1 + int(_worker[2:])) % 16
    os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{db}"))
