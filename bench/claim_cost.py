"""What one API claim costs the application, in CPU instructions: ``POST /api/v1/claims/``
through Django's WSGI handler in-process (every middleware, DRF, token authentication,
validation, the settlement, the response), next to the settlement service alone on the same
data, counted by valgrind's callgrind (instructions do not depend on what else the machine
runs, unlike seconds: a change's effect shows even when the HTTP benchmark's noise hides it).

    .venv/bin/python bench/claim_cost.py

Each figure is (instructions for 300 calls − instructions for 100 calls) / 200, so start-up,
imports and the first calls' statement preparation cancel out. Needs valgrind.
"""

import io
import json
import os
import re
import subprocess
import sys
import time

import settlement as bench
from _setup import ROOT, django_setup

DATABASE = "bench_claim_cost"
STATE = f"/tmp/{DATABASE}.json"  # noqa: S108 - ids handed from the set-up to the counted runs


def prepare():
    django_setup(fresh=True, database=DATABASE)
    ids, hospital, token = bench.setup_data()
    bench.warm_up(ids, hospital)
    with open(STATE, "w") as f:
        json.dump([ids, hospital.pk, token], f)


def calls(mode: str, n: int, run: str):
    """``n`` claims (after 50 uncounted ones) through the WSGI handler or the service."""
    django_setup(fresh=False, database=DATABASE)
    from datetime import date
    from decimal import Decimal

    from django.core.handlers.wsgi import WSGIHandler

    from claims.settlement import ClaimRequest, settlement_create
    from enrollment.models import Institution, Person

    with open(STATE) as f:
        ids, hospital_id, token = json.load(f)
    handler = WSGIHandler()
    hospital = Institution.objects.get(pk=hospital_id)
    persons = Person.objects.in_bulk(ids[400:1800])

    def http(i):
        body = bench.claim_body(f"{run}-{i}", ids[400 + i % 1400], hospital_id)
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/claims/",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
            "HTTP_AUTHORIZATION": f"Token {token}",
        }
        status = []
        response = handler(environ, lambda s, headers, *exc: status.append(s))
        b"".join(response)
        response.close()
        assert status[0].startswith("201"), status

    def service(i):
        settlement_create(
            request=ClaimRequest(
                claim_number=f"{run}-{i}",
                person=persons[ids[400 + i % 1400]],
                institution=hospital,
                visit_date=date(2026, 3, 1),
                benefit="general_outpatient",
                total_amount=Decimal("120.00"),
            )
        )

    call = http if mode == "http" else service
    for i in range(50):
        call(i)
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(50, 50 + n):
        call(i)
    wall = (time.perf_counter() - started) / n * 1000
    print(f"{mode}: {wall:.2f} ms a call, {(time.process_time() - cpu) / n * 1000:.2f} ms CPU")


def instructions(mode: str, n: int) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
         __file__, "calls", mode, str(n), f"{mode[0]}{n}-{time.time_ns()}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={**os.environ, "ALLOWED_HOSTS": "127.0.0.1", "SECURE_SSL_REDIRECT": "0"},
    ).stderr  # fmt: skip
    return int(re.search(r"Collected : (\d+)", out).group(1))


def main():
    prepare()
    for mode in ("service", "http"):
        per_call = (instructions(mode, 300) - instructions(mode, 100)) / 200
        print(f"{mode}: {per_call / 1e6:.2f} million instructions a call")


if __name__ == "__main__":
    if sys.argv[1:2] == ["calls"]:
        calls(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main()
