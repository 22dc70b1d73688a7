"""Settlements per second through the service and over HTTP (gunicorn), next to
``pgbench -b tpcb-like`` on the same database in the same run (a TPC-B transaction has the same
shape: update an account, update a total, insert a history row).

    .venv/bin/python bench/settlement.py [SECONDS]     (default 20 per measurement)
"""

import http.client
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time

from _setup import ROOT, SERVER, django_setup

DATABASE = "bench_settlement"
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "2"))  # the machine has 2 cores
PERSONS = 2000
# gunicorn's default sync workers: a worker serves one request at a time, a connection per
# request (as behind a buffering proxy), so each client's request goes to a free worker, as each
# pgbench client has its own server process. ``BENCH_HTTP_WORKER=gthread``: threaded workers
# keeping connections alive (config/gunicorn.conf.py's kind); the kernel then hands each client's
# connection to a worker once, and in about half the runs both clients land on one worker while
# the other idles (BENCHMARKS.md).
HTTP_WORKER = os.environ.get("BENCH_HTTP_WORKER", "sync")
SHM = "/dev/shm"  # noqa: S108 - gunicorn makes its heartbeat file there with mkstemp
WORKERS = {"sync": ["-k", "sync"], "gthread": ["-k", "gthread", "--threads", "2"]}


def claim_body(claim_number: str, person_id: int, institution_id: int) -> bytes:
    """The benchmark's claim: general outpatient, 120.00, in March 2026."""
    return json.dumps(
        {
            "claim_number": claim_number,
            "person": person_id,
            "institution": institution_id,
            "visit_date": "2026-03-01",
            "benefit": "general_outpatient",
            "total_amount": "120.00",
        }
    ).encode()


def setup_data(persons: int = PERSONS, balance: str = "100000.00"):
    """``persons`` Wuhan employees, each account holding ``balance``, one hospital and its API
    client's token."""
    from datetime import date
    from decimal import Decimal

    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from accounts.models import LedgerEntry, PersonalAccount
    from enrollment.id_numbers import make
    from enrollment.models import Employer, Institution, InstitutionUser, Person
    from policies.models import Region

    wuhan = Region.objects.get(code="420100")
    employer = Employer.objects.create(code="B1", name="基准单位", region=wuhan)
    hospital = Institution.objects.create(
        code="BH1", name="基准医院", region=wuhan, kind="hospital", level="1"
    )
    people = [
        Person(
            id_number=make("420102", date(1970, 1, 1 + i // 900), i % 900 + 1),
            name="职工",
            name_initials="zg",  # bulk_create skips save(), which fills it
            region=wuhan,
            employer=employer,
            birth_date=date(1970, 1, 1),
            gender="male",
            benefits_from=date(2020, 1, 1),
            contribution_base=Decimal("8000.00"),
        )
        for i in range(persons)
    ]
    Person.objects.bulk_create(people)
    ids = list(Person.objects.values_list("id", flat=True))
    PersonalAccount.objects.bulk_create(
        [PersonalAccount(person_id=pk, balance=Decimal(balance)) for pk in ids]
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                account=a,
                kind="adjustment",
                amount=Decimal(balance),
                balance_after=Decimal(balance),
                memo="bench",
            )
            for a in PersonalAccount.objects.all()
        ]
    )
    user = User.objects.create_user("bench-hospital", password="x" * 20)  # noqa: S106
    user.groups.add(Group.objects.get_or_create(name="institution")[0])
    InstitutionUser.objects.create(user=user, institution=hospital)
    return ids, hospital, Token.objects.create(user=user).key


def warm_up(ids, hospital):
    """A bureau's tables are never empty: one earlier claim per person (so every accumulator
    exists), then ``VACUUM ANALYZE`` as after any bulk load (pgbench -i does the same). The
    prepared statements' plans are chosen from these statistics."""
    from datetime import date
    from decimal import Decimal

    from claims.settlement import ClaimRequest, settlement_create
    from enrollment.models import Person

    for person in Person.objects.filter(pk__in=ids):
        settlement_create(
            request=ClaimRequest(
                claim_number=f"W{person.pk}",
                person=person,
                institution=hospital,
                visit_date=date(2026, 2, 1),
                benefit="general_outpatient",
                total_amount=Decimal("50.00"),
            )
        )
    vacuum()


def vacuum():
    """Each measured phase starts from vacuumed, analysed tables, as pgbench's does (and no
    autovacuum of the previous phase's rows runs during the next), and from a checkpoint: the
    server's timed checkpoint (every 5 minutes) would otherwise flush the previous phase's
    dirty pages in the middle of whichever phase it happens to fall in."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("CHECKPOINT")
    connection.close()  # statements prepared on other statistics go with the connection


def run_clients(work, seconds):
    """``CLIENTS`` processes (like pgbench's ``-j``; Python threads would share one core through
    the GIL) each calling ``work(n, i)`` until the time is up; returns calls per second."""
    from django.db import connections

    connections.close_all()  # each child opens its own connection
    context = multiprocessing.get_context("fork")
    counts = context.Queue()
    stop = time.monotonic() + seconds

    def loop(n):
        i = 0
        while time.monotonic() < stop:
            work(n, i)
            i += 1
        counts.put(i)
        connections.close_all()

    processes = [context.Process(target=loop, args=(n,)) for n in range(CLIENTS)]
    for p in processes:
        p.start()
    total = sum(counts.get() for _ in processes)
    for p in processes:
        p.join()
        assert p.exitcode == 0, "a client failed"
    return total / seconds


def pgbench(seconds) -> float:
    url = f"{SERVER}/{DATABASE}"
    subprocess.run(["pgbench", "-q", "-i", "-s", "2", url], check=True, capture_output=True)
    subprocess.run(["psql", "-q", url, "-c", "CHECKPOINT"], check=True, capture_output=True)
    out = subprocess.run(
        [
            "pgbench",
            "-b",
            "tpcb-like",
            "-T",
            str(int(seconds)),
            "-c",
            str(CLIENTS),
            "-j",
            str(CLIENTS),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"tps = ([0-9.]+)", out).group(1))


def main(seconds: float):
    django_setup(fresh=True, database=DATABASE)
    from datetime import date
    from decimal import Decimal

    from claims.settlement import ClaimRequest, settlement_create
    from enrollment.models import Person

    ids, hospital, token = setup_data()
    warm_up(ids, hospital)
    persons = {pk: Person.objects.select_related("region").get(pk=pk) for pk in ids[:400]}

    def service(n, i):
        person = persons[ids[(n * 200 + i) % 400]]
        settlement_create(
            request=ClaimRequest(
                claim_number=f"S{n}-{i}",
                person=person,
                institution=hospital,
                visit_date=date(2026, 3, 1),
                benefit="general_outpatient",
                total_amount=Decimal("120.00"),
            )
        )

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def round_trips(i):
        with CaptureQueriesContext(connection) as queries:
            service(9, i)
        return len(queries.captured_queries)  # BEGIN and COMMIT included

    first, later = round_trips(0), round_trips(1)

    tps_pgbench = pgbench(seconds)
    vacuum()
    tps_service = run_clients(service, seconds)
    vacuum()

    port = 8765 + os.getpid() % 1000
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        # As production runs (config/gunicorn.conf.py's raw_env): a worker keeps its database
        # connection between requests. Without it Django opens a PostgreSQL connection per
        # request, and on this machine that alone held the phase at 44-106 requests/s.
        "CONN_MAX_AGE": os.environ.get("CONN_MAX_AGE", "60"),
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(CLIENTS),
            *WORKERS[HTTP_WORKER],
            "--log-level",
            "warning",
            # As config/gunicorn.conf.py: the heartbeat file on tmpfs.
            *(["--worker-tmp-dir", SHM] if os.path.isdir(SHM) else []),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)

        clients = {}
        phase = ["warm"]

        def post_claim(n, i):
            # One keep-alive connection per client process (urllib would open one per call).
            if n not in clients:
                clients[n] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            body = claim_body(f"H{phase[0]}{n}-{i}", ids[400 + (n * 700 + i) % 1400], hospital.pk)
            clients[n].request(
                "POST",
                "/api/v1/claims/",
                body=body,
                headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
            )
            response = clients[n].getresponse()
            response.read()
            assert response.status == 201, response.status

        # Untimed first seconds: each worker imports the views and prepares its statements on
        # its first requests (pgbench's connections, too, are made before its clock starts).
        run_clients(post_claim, 3)
        phase[0] = "timed"
        tps_http = run_clients(post_claim, seconds)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(
        f"round trips to PostgreSQL per settlement: {later} ({first} for the first claim in a "
        "fresh connection, which prepares its statements), BEGIN and COMMIT included"
    )
    print(
        f"pgbench -b tpcb-like -c {CLIENTS} -j {CLIENTS} -T {seconds:.0f}: {tps_pgbench:,.0f} tps"
    )
    print(
        f"settlement service, {CLIENTS} processes: {tps_service:,.0f} settlements/s "
        f"= {tps_service / tps_pgbench:.0%} of pgbench"
    )
    print(
        f"HTTP POST /api/v1/claims/ (gunicorn -w {CLIENTS} -k {HTTP_WORKER}), {CLIENTS} clients: "
        f"{tps_http:,.0f}/s "
        f"= {tps_http / tps_pgbench:.0%} of pgbench"
    )


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0)
