"""A real Celery worker killed (SIGKILL) in the middle of monthly crediting or of the year-end
close; the task is redelivered to a new worker: every account is credited exactly once, every
annual statement written exactly once."""

import os
import signal
import time
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count, Sum

from accounts.models import AnnualStatement, ClosedYear, LedgerEntry, PersonalAccount
from jobs.models import Job
from jobs.services import job_create
from policies.models import Region
from policies.services import policies_load_seeds
from tests.factories import UserFactory
from tests.helpers.bulk import bulk_retirees
from tests.helpers.procs import start_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]
ACCOUNTS = 20_000


def worker(queue: str, redis_url: str, **env: str):
    return start_worker(queue, redis_url, **{"ACCOUNTS_CHUNK": "200", **env})


def killed_when(process, reached) -> None:
    """SIGKILL the worker as soon as ``reached()`` holds (a fifth of the work done)."""
    deadline = time.monotonic() + 120
    while not reached() and time.monotonic() < deadline:
        assert process.poll() is None
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def redelivered(job, queue: str, redis_url: str, **env: str) -> None:
    """A second worker that redelivers unacknowledged messages after 2 s; back when the job
    has finished."""
    # kombu looks for unacknowledged messages older than the visibility timeout when the
    # worker starts, then only every 100 s: let the message become visible first.
    time.sleep(2.5)
    second = worker(queue, redis_url, CELERY_VISIBILITY_TIMEOUT="2", **env)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            assert second.poll() is None
            time.sleep(0.2)
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=30)
    job.refresh_from_db()


def credited() -> int:
    return LedgerEntry.objects.filter(kind="retiree_credit", period="2026-11").count()


def test_sigkill_mid_crediting_then_redelivery_credits_each_account_once(
    postgres_tx, redis_url, settings
):
    policies_load_seeds()
    bulk_retirees(Region.objects.get(code="420100"), ACCOUNTS)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    # The first worker would only redeliver after an hour; the second one after 2 seconds.
    first = worker(queue, redis_url)
    job = job_create(
        kind="monthly_crediting",
        parameters={"period": "2026-11"},
        created_by=UserFactory(roles=["manager"]),
    )
    killed_when(first, lambda: credited() >= ACCOUNTS // 5)
    done_before_kill = credited()
    assert 0 < done_before_kill < ACCOUNTS, done_before_kill
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING

    redelivered(job, queue, redis_url)
    assert job.status == Job.Status.PARTIAL, job.errors  # other regions' parameters are unset
    assert job.attempts == 2
    assert credited() == ACCOUNTS
    per_account = LedgerEntry.objects.values("account_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_account.exists()
    assert PersonalAccount.objects.aggregate(s=Sum("balance"))["s"] == Decimal("83.00") * ACCOUNTS
    assert not PersonalAccount.objects.exclude(balance=Decimal("83.00")).exists()


def statements() -> int:
    return AnnualStatement.objects.filter(year=2025).count()


def test_sigkill_mid_year_end_close_then_redelivery_writes_each_statement_once(
    postgres_tx, redis_url, settings
):
    # Given 20,000 accounts opened in 2025, each credited 100.00 in June 2025
    policies_load_seeds()
    bulk_retirees(Region.objects.get(code="420100"), ACCOUNTS)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_personalaccount SET balance = 100.00, opened_at = %s",
            ["2025-01-02T00:00:00+08:00"],
        )
        cursor.execute(
            "INSERT INTO accounts_ledgerentry (account_id, kind, amount, balance_after, period,"
            " reference, memo, created_at) SELECT id, 'retiree_credit', 100.00, 100.00,"
            " '2025-06', '', '', %s FROM accounts_personalaccount",
            ["2025-06-15T12:00:00+08:00"],
        )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    # When the worker closing 2025 is killed a fifth of the way through (chunks of 100)
    first = worker(queue, redis_url, ACCOUNTS_CHUNK="100")
    job = job_create(
        kind="year_end", parameters={"year": 2025}, created_by=UserFactory(roles=["manager"])
    )
    killed_when(first, lambda: statements() >= ACCOUNTS // 5)
    done_before_kill = statements()
    assert 0 < done_before_kill < ACCOUNTS, done_before_kill
    assert not ClosedYear.objects.filter(year=2025).exists()
    # and the task is redelivered to a second worker
    redelivered(job, queue, redis_url, ACCOUNTS_CHUNK="100")
    # Then every account has exactly one 2025 statement: 0 opening, 100 credited, 100 closing
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.attempts == 2
    assert job.result["accounts"] == ACCOUNTS
    assert job.result["statements_written"] == ACCOUNTS - done_before_kill
    assert statements() == ACCOUNTS
    twice = AnnualStatement.objects.values("account_id", "year").annotate(n=Count("id"))
    assert not twice.filter(n__gt=1).exists()
    assert (
        AnnualStatement.objects.filter(
            year=2025,
            opening_balance=0,
            retiree_credits=Decimal("100.00"),
            closing_balance=Decimal("100.00"),
        ).count()
        == ACCOUNTS
    )
    assert ClosedYear.objects.get(year=2025).accounts == ACCOUNTS
    # Balances carry over untouched
    assert not PersonalAccount.objects.exclude(balance=Decimal("100.00")).exists()
