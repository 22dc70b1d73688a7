"""Load: many HTTP clients settling claims, reversing some and reading accounts for a fixed
time on gunicorn + PostgreSQL; throughput, p50/p99 latency and errors per operation, then every
invariant checked on the database. The baseline, in the same run with the same clients and
server: a bare authenticated read (``GET /api/v1/regions/``), the HTTP stack's own ceiling.

    .venv/bin/python bench/load.py [SECONDS] [CLIENTS]     (default 30 s, 8 clients)

Clients are processes (each one keep-alive connection). A fifth of the settlements go to 20
"hot" persons, so claims for one person meet in the row locks; accounts start at 600.00, so
they run dry and the rest is paid in cash; a tenth of the operations reverse one of the
client's own settlements.
"""

import http.client
import json
import multiprocessing
import os
import random
import subprocess
import sys
import time

from _setup import ROOT, SERVER, django_setup
from settlement import setup_data, vacuum

DATABASE = "bench_load"
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 30.0
CLIENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 8
PERSONS = 2000
HOT = 20


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def client(n, port, token, ids, hospital_id, stop, mix, results):  # noqa: PLR0913
    """One client: its own connection, its own claims; latencies per operation, errors."""
    rng = random.Random(f"{mix}-{n}")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    mine: list[int] = []
    i = 0
    while time.monotonic() < stop:
        i += 1
        roll = rng.random()
        if mix == "baseline":
            op, method, path, body = "read regions", "GET", "/api/v1/regions/", None
        elif roll < 0.1 and mine:
            sid = mine.pop(rng.randrange(len(mine)))
            op, method, path, body = "reverse", "POST", f"/api/v1/claims/{sid}/reverse/", None
        elif roll < 0.4:
            person = ids[rng.randrange(len(ids))]
            op, method, path, body = (
                "read account",
                "GET",
                f"/api/v1/persons/{person}/account/",
                None,
            )
        else:
            person = ids[rng.randrange(HOT)] if rng.random() < 0.2 else ids[rng.randrange(len(ids))]
            amount = f"{rng.randrange(20, 400)}.{rng.randrange(100):02d}"
            body = json.dumps(
                {
                    "claim_number": f"{mix[0].upper()}{n}-{i}",
                    "person": person,
                    "institution": hospital_id,
                    "visit_date": "2026-03-01",
                    "benefit": "general_outpatient",
                    "total_amount": amount,
                }
            )
            op, method, path = "settle", "POST", "/api/v1/claims/"
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            ok = 200 <= response.status < 300
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            ok, data = False, b""
        latencies.setdefault(op, []).append(time.perf_counter() - start)
        if not ok:
            errors[op] = errors.get(op, 0) + 1
        elif op == "settle":
            mine.append(json.loads(data)["id"])
    results.put((latencies, errors))


def run(port, token, ids, hospital_id, seconds, mix) -> tuple[dict, dict]:
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    stop = time.monotonic() + seconds
    processes = [
        context.Process(target=client, args=(n, port, token, ids, hospital_id, stop, mix, results))
        for n in range(CLIENTS)
    ]
    for p in processes:
        p.start()
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    for _ in processes:
        lat, err = results.get()
        for op, values in lat.items():
            latencies.setdefault(op, []).extend(values)
        for op, count in err.items():
            errors[op] = errors.get(op, 0) + count
    for p in processes:
        p.join()
    return latencies, errors


def report(title: str, latencies: dict, errors: dict, seconds: float) -> None:
    print(f"\n{title} ({CLIENTS} clients, {seconds:.0f} s)")
    heads = ("requests", 10), ("per s", 9), ("p50 ms", 9), ("p99 ms", 9), ("max ms", 9)
    print(f"{'operation':<14}" + "".join(f"{h:>{w}}" for h, w in heads) + f"{'errors':>8}")
    every = []
    for op in sorted(latencies):
        values = latencies[op]
        every.extend(values)
        print(
            f"{op:<14}{len(values):>10,}{len(values) / seconds:>9,.0f}"
            f"{percentile(values, 0.5) * 1000:>9.1f}{percentile(values, 0.99) * 1000:>9.1f}"
            f"{max(values) * 1000:>9.1f}{errors.get(op, 0):>8}"
        )
    print(
        f"{'all':<14}{len(every):>10,}{len(every) / seconds:>9,.0f}"
        f"{percentile(every, 0.5) * 1000:>9.1f}{percentile(every, 0.99) * 1000:>9.1f}"
        f"{max(every) * 1000:>9.1f}{sum(errors.values()):>8}"
    )


INVARIANTS = {
    "accounts whose balance is not the sum of their entries": """
        SELECT count(*) FROM accounts_personalaccount a
        WHERE a.balance <> (SELECT coalesce(sum(amount), 0) FROM accounts_ledgerentry e
                            WHERE e.account_id = a.id)""",
    "accounts whose last entry's balance_after is not the balance": """
        SELECT count(*) FROM accounts_personalaccount a
        JOIN LATERAL (SELECT balance_after FROM accounts_ledgerentry e WHERE e.account_id = a.id
                      ORDER BY e.id DESC LIMIT 1) last ON true
        WHERE last.balance_after <> a.balance""",
    "negative balances": "SELECT count(*) FROM accounts_personalaccount WHERE balance < 0",
    "settlements whose payers do not add up to the total": """
        SELECT count(*) FROM claims_settlement
        WHERE pool_paid + account_paid + family_account_paid + cash_paid <> total_amount""",
    "accumulators above Wuhan's employee cap (3,500.00) or deductible (700.00)": """
        SELECT count(*) FROM claims_accumulator
        WHERE pooled > 3500.00 OR deductible_used > 700.00""",
    "accumulators that differ from the settlements not reversed": """
        SELECT count(*) FROM claims_accumulator acc
        LEFT JOIN (SELECT person_id, extract(year FROM visit_date)::int AS year,
                          sum(pool_paid) AS pooled, sum(deductible_applied) AS deductible
                   FROM claims_settlement WHERE status = 'settled'
                   GROUP BY person_id, extract(year FROM visit_date)) s
               ON s.person_id = acc.person_id AND s.year = acc.year
        WHERE acc.bucket = 'general_outpatient'
          AND (acc.pooled <> coalesce(s.pooled, 0)
               OR acc.deductible_used <> coalesce(s.deductible, 0))""",
    "settlements without their audit event": """
        SELECT count(*) FROM claims_settlement s WHERE NOT EXISTS (
            SELECT 1 FROM staff_auditevent e
            WHERE e.action = 'claims.settlement.create' AND e.object_id = CAST(s.id AS TEXT))""",
}


def main():
    django_setup(fresh=True, database=DATABASE)
    from django.db import connection

    ids, hospital, token = setup_data(persons=PERSONS, balance="600.00")
    vacuum()
    port = 8765 + os.getpid() % 1000
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "/dev/null",
        "LOG_LEVEL": "ERROR",  # refusals (a 409) are counted, not logged
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)
        run(port, token, ids, hospital.pk, 3, "warm-up")  # untimed: workers import, prepare
        base_latencies, base_errors = run(port, token, ids, hospital.pk, SECONDS, "baseline")
        latencies, errors = run(port, token, ids, hospital.pk, SECONDS, "mixed")
    finally:
        server.terminate()
        server.wait(timeout=20)
    workers = os.environ.get("GUNICORN_WORKERS", "2")
    threads = os.environ.get("GUNICORN_THREADS", "4")
    print(f"gunicorn -c config/gunicorn.conf.py (workers {workers}, threads {threads})")
    report("baseline: GET /api/v1/regions/", base_latencies, base_errors, SECONDS)
    report("mixed: settle 60 %, read account 30 %, reverse 10 %", latencies, errors, SECONDS)
    print("\ninvariants after the run (each must be 0):")
    failed = 0
    with connection.cursor() as cursor:
        for label, query in INVARIANTS.items():
            cursor.execute(query)
            count = cursor.fetchone()[0]
            failed += count
            print(f"  {count:>6}  {label}")
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE status = 'reversed'),"
            " count(*) FILTER (WHERE cash_paid > 0) FROM claims_settlement"
        )
        settled, reversed_, cash = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM accounts_personalaccount WHERE balance = 0")
        dry = cursor.fetchone()[0]
    print(
        f"  settlements {settled:,} (reversed {reversed_:,}, with cash {cash:,}); "
        f"accounts run dry {dry:,} of {PERSONS:,}"
    )
    sys.exit(1 if failed or sum(errors.values()) or sum(base_errors.values()) else 0)


if __name__ == "__main__":
    main()
