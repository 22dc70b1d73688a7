"""Payroll jobs under faults: the database connection cut mid-run, the worker SIGKILLed
mid-run, the same file applied twice at once; and the uploaded file's lifetime.

A cut run leaves staging rows and a job marked running; the job must be sent again (by its own
worker when only the connection went, by the beat when the worker went, within the heartbeat
timeout instead of the broker's hour), the leftovers removed, and the rerun credit each row once.
"""

import os
import signal
import threading
import time
import uuid
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import LedgerEntry, PayrollRow, PersonalAccount
from accounts.payroll import payroll_uploads_purge
from jobs.models import Job
from jobs.services import job_create, job_execute
from jobs.tasks import recover_stalled
from tests.accounts.test_payroll import csv_of, row, upload
from tests.accounts.test_payroll_scale import employees, payroll_file
from tests.factories import UserFactory
from tests.helpers.procs import start_worker


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def uploads(media: Path) -> list[Path]:
    folder = media / "payroll"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def stored(media: Path, content: bytes) -> str:
    """A file as the upload endpoint stores it."""
    folder = media / "payroll"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.csv"
    path.write_bytes(content)
    return str(path)


def expected_total(staff) -> Decimal:
    """Wuhan 第五条: 2 % of each base, rounded half up to the fen."""
    return sum(
        (Decimal(base) * Decimal("0.02")).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for _, base in staff
    )


def credited_once(staff) -> None:
    assert LedgerEntry.objects.filter(kind="payroll_credit").count() == len(staff)
    twice = LedgerEntry.objects.values("account_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not twice.exists()
    assert PersonalAccount.objects.aggregate(s=Sum("balance"))["s"] == expected_total(staff)


# --- The uploaded file ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_uploaded_file_is_deleted_when_its_job_ends_and_the_counts_stay(
    person_factory, media, django_capture_on_commit_callbacks
):
    zhang = person_factory("420100", category="employee", base=Decimal("8000.00"), name="张伟")
    job = upload(csv_of(row(zhang)), capture=django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["rows"] == job.result["credited"] == 1
    assert uploads(media) == []
    # a failed job's file goes too
    job = upload(csv_of(row(zhang, name="李四")), capture=django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert uploads(media) == []
    assert not PayrollRow.objects.exists()


@pytest.mark.django_db
def test_with_a_retention_the_file_is_kept_then_purged_by_the_beat(
    person_factory, media, settings, django_capture_on_commit_callbacks
):
    settings.PAYROLL_UPLOAD_RETENTION_HOURS = 24
    zhang = person_factory("420100", category="employee", base=Decimal("8000.00"), name="张伟")
    job = upload(csv_of(row(zhang)), capture=django_capture_on_commit_callbacks)
    assert job.status == Job.Status.SUCCEEDED
    assert len(uploads(media)) == 1
    assert payroll_uploads_purge(now=job.finished_at + timedelta(hours=23)) == 0
    assert len(uploads(media)) == 1
    assert payroll_uploads_purge(now=job.finished_at + timedelta(hours=25)) == 1
    assert uploads(media) == []
    job.refresh_from_db()
    assert job.result["credited"] == 1  # the job keeps its counts


# --- The same file applied twice at once ---------------------------------------------------------


def test_two_identical_files_applied_at_once_the_second_names_the_first(postgres_tx, media):
    staff = employees(300)
    content = payroll_file(staff)
    clerk = UserFactory(roles=["clerk"])
    jobs = [
        Job.objects.create(
            kind="payroll_import",
            parameters={"path": stored(media, content), "filename": "工资.csv"},
            created_by=clerk,
        )
        for _ in range(2)
    ]
    finished: dict[int, Job] = {}

    def apply(job_id: int) -> None:
        try:
            finished[job_id] = job_execute(job_id=job_id)
        finally:
            connections.close_all()

    # Both jobs check the file and find nothing credited, then wait for the accounts' locks
    # (held here), so both try to credit the same rows.
    with transaction.atomic():
        list(PersonalAccount.objects.select_for_update().values_list("pk", flat=True))
        threads = [threading.Thread(target=apply, args=(job.pk,)) for job in jobs]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                # The statistics are a snapshot per transaction: take a new one each time.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'"
                )
                if cursor.fetchone()[0] == 2:
                    break
            time.sleep(0.05)
        else:
            pytest.fail(f"the two jobs never both waited for the accounts: {finished}")
    for thread in threads:
        thread.join(timeout=120)

    by_status = {job.status: job for job in finished.values()}
    assert set(by_status) == {Job.Status.SUCCEEDED, Job.Status.FAILED}, [
        (j.status, j.errors[:2]) for j in finished.values()
    ]
    winner, loser = by_status[Job.Status.SUCCEEDED], by_status[Job.Status.FAILED]
    assert winner.result["credited"] == 300
    first = loser.errors[0]["message"]
    assert f"#{winner.pk}" in first, first
    assert "意外" not in first and "unexpected" not in first
    assert "已" in first or "already" in first  # credited already (or being credited)
    rows = [e for e in loser.errors[1:] if e.get("row")]
    assert [e["row"] for e in rows] == list(range(2, 302))
    assert all(f"#{winner.pk}" in e["message"] for e in rows)
    credited_once(staff)
    assert not PayrollRow.objects.exists()
    assert uploads(media) == []


# --- Faults with real processes ------------------------------------------------------------------

ROWS = 10_000


def start_payroll_job(media: Path, settings, redis_url: str, **worker_env: str):
    staff = employees(ROWS)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    worker = start_worker(queue, redis_url, MEDIA_ROOT=str(media), **worker_env)
    job = job_create(
        kind="payroll_import",
        parameters={"path": stored(media, payroll_file(staff)), "filename": "工资.csv"},
        created_by=UserFactory(roles=["clerk"]),
    )
    return staff, queue, worker, job


def staged(job) -> int:
    return PayrollRow.objects.filter(job_id=job.pk).count()


def when_staging(worker, job) -> None:
    """Back as soon as the worker has staged some of the file's rows."""
    deadline = time.monotonic() + 120
    while not staged(job) and time.monotonic() < deadline:
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.01)
    assert staged(job), "the worker never staged a row"


def finished(job, *, within: float, each=None) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if each is not None:
            each()
        job.refresh_from_db()
        if job.is_finished:
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"job still {job.status} after {within} s: {job.errors}")


def stop(process) -> str:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=30)
    except Exception:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate(timeout=10)
    return out or ""


@pytest.mark.celery_worker
@pytest.mark.slow
def test_database_connection_killed_mid_payroll_job_is_sent_again_and_credits_once(
    postgres_tx, redis_url, media, settings
):
    staff, _queue, worker, job = start_payroll_job(media, settings, redis_url)
    try:
        when_staging(worker, job)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend'"
            )
            assert cursor.fetchall(), "no worker connection to kill"
        finished(job, within=180)
    finally:
        log = stop(worker)
    assert job.status == Job.Status.SUCCEEDED, (job.errors, log[-3000:])
    assert job.attempts == 2
    assert "connection was lost" in log or "连接" in log
    assert job.result["rows"] == job.result["credited"] == ROWS
    credited_once(staff)
    assert not PayrollRow.objects.exists()  # the cut run's staging rows are gone
    assert uploads(media) == []


@pytest.mark.celery_worker
@pytest.mark.slow
def test_worker_sigkilled_mid_payroll_job_is_recovered_by_the_beat_within_the_timeout(
    postgres_tx, redis_url, media, settings
):
    # The broker would redeliver after its visibility timeout (an hour, as in production);
    # the beat's heartbeat check (3 s here, minutes in production) does not wait for it.
    settings.JOB_HEARTBEAT_TIMEOUT = 3
    staff, queue, first, job = start_payroll_job(media, settings, redis_url)
    when_staging(first, job)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    killed_at = time.monotonic()
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert staged(job) > 0  # left behind by the killed run

    second = start_worker(queue, redis_url, MEDIA_ROOT=str(media))
    try:
        finished(job, within=180, each=recover_stalled)  # the beat's task, run as the beat does
    finally:
        log = stop(second)
    assert job.status == Job.Status.SUCCEEDED, (job.errors, log[-3000:])
    assert time.monotonic() - killed_at < 120
    assert job.attempts == 2
    assert job.result["rows"] == job.result["credited"] == ROWS
    credited_once(staff)
    assert not PayrollRow.objects.exists()
    assert uploads(media) == []
    assert job.finished_at > timezone.now() - timedelta(minutes=5)
