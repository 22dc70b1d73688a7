"""Policy replay (issue 21): claims per second of the ``policy_replay`` job with one and with two
Celery worker processes, next to the bare settlement calculator over the same claims in one
process (the baseline), in the same run, on the dashboards bench's data.

    .venv/bin/python bench/replay.py [PERSONS] [CLAIMS]          (default 1000000 7000000)

The dashboards' generator spreads persons and claims over the seven seeded regions and two years;
the replay takes one region's (Wuhan's) whole two years under a draft raising one ratio, so it
replays about CLAIMS / 7 settlements (1,000,000 with the defaults). ``BENCH_KEEP=1`` reuses a
loaded ``bench_replay`` database. Needs Redis (``BENCH_REDIS``, default redis://127.0.0.1:6379/1)
for the workers' broker. Peak memory is each worker process's VmHWM.
"""

import copy
import gc
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from _setup import ROOT, SERVER, Timer, django_setup

DATABASE = os.environ.get("BENCH_DATABASE", "bench_replay")
KEEP = os.environ.get("BENCH_KEEP") == "1"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/1")
QUEUE = f"bench-replay-{os.getpid()}"
START, END = "2024-11-25", "2026-11-24"  # the generator's two years


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def worker(concurrency: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "REDIS_URL": REDIS,
        "CELERY_QUEUE": QUEUE,
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
    }
    process = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "-c", str(concurrency),
            "-Q", QUEUE, "--pool", "prefork", "-l", "WARNING", "--without-gossip",
            "--without-mingle", "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )  # fmt: skip
    time.sleep(6)  # the worker connects and forks its processes
    return process


LOADED = (
    "enrollment_employer", "enrollment_institution", "enrollment_person",
    "accounts_personalaccount", "accounts_ledgerentry", "claims_settlement", "claims_accumulator",
    "family_sharing_sharingauthorisation", "claims_chroniccertification",
)  # fmt: skip
DEFAULTS = {"boolean": "false", "numeric": "0", "character varying": "''", "text": "''",
            "jsonb": "'[]'::jsonb", "integer": "0", "bigint": "0"}  # fmt: skip


def defaults_for_the_generator() -> None:
    """Columns added since the dashboards' generator was written (e.g. the institutions'
    ``specialist``, the settlements' ``pool_paid_above_cap``) get a database default for the
    load, so its COPY runs unchanged."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND table_name = ANY(%s) AND is_nullable = 'NO'"
            " AND column_default IS NULL AND is_identity = 'NO'",
            [list(LOADED)],
        )
        for table, column, kind in cursor.fetchall():
            if kind in DEFAULTS:
                cursor.execute(
                    f'ALTER TABLE "{table}" ALTER COLUMN "{column}" SET DEFAULT {DEFAULTS[kind]}'
                )


# What Wuhan's seeded document leaves to the bureau, as a bureau that settled the generator's
# claims had filled it: pharmacy claims (第十四条, 外配处方 第二十条) by the prescribing
# hospital's level (双通道), and the chronic and special benefits that 第十八条、第二十四条 leave
# to "本市现行政策" — with the BENCH'S OWN ASSUMED FIGURES (not Wuhan's: no document here
# gives them).
FILL = {
    ("general_outpatient", "pharmacy_rule"): "prescribing_level",
    ("chronic", "deductible"): "300.00",
    ("chronic", "ratio"): "0.70",
    ("chronic", "cap_max"): "5000.00",
    ("special", "deductible"): "0.00",
    ("special", "ratio_by_level"): {"1": "0.80", "2": "0.80", "3": "0.80"},
}


def bureau_fill(region) -> None:
    """Without a fill the version in force refuses every pharmacy, chronic and special claim of
    the generator's (about 4 in 10 of Wuhan's): no settlement of them could exist. The bench
    publishes the fill (``FILL``) once."""
    from policies.models import PolicyVersion
    from policies.services import policy_version_publish

    if PolicyVersion.objects.filter(region=region, kind="fill").exists():
        return
    for version in PolicyVersion.objects.filter(region=region, kind="version"):
        document = copy.deepcopy(version.document)
        for (section, name), value in FILL.items():
            if document[section].get(name) is None:
                document[section][name] = value
        policy_version_publish(
            region=region,
            effective_from=version.effective_from,
            effective_to=version.effective_to,
            source="基准经办规程（基准假设值：药店外配处方按处方机构级别，门诊慢特病标准）",
            document=document,
        )


def run_job(draft_id: int) -> tuple[float, dict, int]:
    from jobs.services import job_create

    with Timer() as timer:
        job = job_create(
            kind="policy_replay",
            parameters={"draft": draft_id, "start": START, "end": END},
            created_by=None,
        )
        while True:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.2)
    assert job.status == "succeeded", (job.status, job.errors)
    return timer.seconds, job.result, job.pk


def main():
    import faulthandler
    import signal

    import dashboard_pages

    faulthandler.register(signal.SIGUSR1)

    if len(sys.argv) <= 1:
        dashboard_pages.PERSONS, dashboard_pages.CLAIMS = 1_000_000, 7_000_000
    url = f"{SERVER}/{DATABASE}"
    django_setup(fresh=not KEEP, database=DATABASE)
    from django.conf import settings
    from django.db import connection

    if not KEEP:
        defaults_for_the_generator()
        connection.close()
        with Timer() as load_timer:
            counts = dashboard_pages.load(url)
        print(
            f"loaded {counts['persons']:,} persons and {counts['claims']:,} settlements with COPY"
            f" in {load_timer.seconds:.0f} s"
        )
    if os.environ.get("BENCH_LOAD_ONLY") == "1":
        return
    os.environ["REDIS_URL"] = REDIS
    os.environ["CELERY_QUEUE"] = QUEUE
    settings.CELERY_TASK_DEFAULT_QUEUE = QUEUE
    from config.celery import app

    app.conf.broker_url = REDIS
    app.conf.task_always_eager = False

    from claims import calculator
    from policies.models import PolicyDraft, Region
    from policies.selectors import effective_policy
    from replay.engine import Scope, replay_chunk

    wuhan = Region.objects.get(code="420100")
    bureau_fill(wuhan)
    PolicyDraft.objects.filter(region=wuhan).delete()
    document = copy.deepcopy(effective_policy(region=wuhan, on_date=date(2025, 6, 1)).document)
    document["general_outpatient"]["ratio"]["employee"]["1"] = "0.85"
    draft = PolicyDraft.objects.create(
        region=wuhan, effective_from=date(2027, 1, 1), source="基准草案", document=document
    )

    # Baseline: the calculator alone over the same claims, inputs built beforehand (recorded
    # while the replay runs once in this process, one chunk, no Celery).
    recorded = []
    real = calculator.settle

    def recording(*args):
        recorded.append(args)
        return real(*args)

    calculator.settle = recording
    scope = Scope(draft, [wuhan.pk], date.fromisoformat(START), date.fromisoformat(END), 0)
    replay_chunk(scope, 0, 2**62)
    calculator.settle = real
    # Timed on a second run, without the recording (which keeps every input alive).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]  # the server process of this connection (same machine)
    server = cpu_seconds(backend)
    cpu = time.process_time()
    with Timer() as inline:
        agg = replay_chunk(scope, 0, 2**62)
    inline_cpu = time.process_time() - cpu
    server_cpu = cpu_seconds(backend) - server
    replayed = agg.claims
    settled = 0
    # The recorded inputs (a million claims' objects) are moved out of the collector's way:
    # the baseline is the calculator's own time, not the collector scanning them.
    gc.collect()
    gc.freeze()
    cpu = time.process_time()
    with Timer() as bare:
        for args in recorded:
            try:
                real(*args)
                settled += 1
            except Exception:  # noqa: S112 - refused claims cost the calculator as much
                continue
    bare_cpu = time.process_time() - cpu
    base_rate = len(recorded) / bare.seconds
    print(f"load average: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(
        f"replayed {replayed:,} settlements of 420100 ({agg.refused_claims:,} refused by the"
        f" draft); the calculator ran on {len(recorded):,} of them"
    )
    for parameter, (_article, message, n) in sorted(agg.refused.items(), key=lambda i: -i[1][2]):
        print(f"  refused {n:,}: {parameter}: {message[:120]}")
    print(
        f"CPU time in this process: bare calculator {bare_cpu:.1f} s, in-process replay"
        f" {inline_cpu:.1f} s (the replay's client side; the database's work is in the server):"
        f" {bare_cpu / inline_cpu:.0%}"
    )
    print(
        f"CPU time per replayed claim in one process: {inline_cpu / replayed * 1e6:.0f} µs here,"
        f" {server_cpu / replayed * 1e6:.0f} µs in its PostgreSQL server process; the bare"
        f" calculator {bare_cpu / len(recorded) * 1e6:.0f} µs"
    )
    print()
    print("| run | claims | seconds | claims/s | vs bare calculator | peak RSS per process |")
    print("|---|---|---|---|---|---|")
    print(
        f"| bare calculator, one process (baseline) | {len(recorded):,} | {bare.seconds:.1f}"
        f" | {base_rate:,.0f} | 100 % | |"
    )
    print(
        f"| replay in this process, one chunk, no Celery | {replayed:,} | {inline.seconds:.1f}"
        f" | {replayed / inline.seconds:,.0f} | {replayed / inline.seconds / base_rate:.0%} | |"
    )
    recorded_count = range(len(recorded))
    recorded.clear()
    gc.unfreeze()
    rates = {}
    for concurrency in (1, 2):
        process = worker(concurrency)
        try:
            started = {c: cpu_seconds(c) for c in children(process.pid)}
            seconds, result, _job = run_job(draft.pk)
            peaks = [peak_kb(c) for c in children(process.pid)]
            spent = sum(cpu_seconds(c) - started.get(c, 0) for c in children(process.pid))
        finally:
            process.terminate()
            process.wait(timeout=60)
        claims = result["claims"]
        rates[concurrency] = claims / seconds
        per_worker = rates[concurrency] / concurrency
        memory = ", ".join(f"{p // 1024} MB" for p in peaks)
        print(
            f"| policy_replay job, {concurrency} worker process{'es' if concurrency > 1 else ''}"
            f" | {claims:,} | {seconds:.1f} | {rates[concurrency]:,.0f} |"
            f" {per_worker / base_rate:.0%} per worker | {memory} |"
        )
        print(
            f"|   {result['chunks']} chunks, replayed by {result['processes']} process(es);"
            f" the worker processes' CPU time {spent:.1f} s ({claims / spent:,.0f} claims per"
            f" CPU-second, {claims / spent / (len(recorded_count) / bare_cpu):.0%} of the"
            " calculator's) | | | | | |"
        )
        check = result["exact_check"]
        print(
            f"|   exact check: {check['matched']} of {check['sample']} sampled settlements"
            " reproduced (the generator's figures are not calculator-made) | | | | | |"
        )
    print()
    print(f"two workers / one worker: {rates[2] / rates[1]:.2f}×")
    print(f"load average at the end: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
