"""A real Celery worker killed (SIGKILL) in the middle of monthly crediting; the task is
redelivered to a new worker: every account is credited exactly once."""

import os
import signal
import time
import uuid
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from accounts.models import LedgerEntry, PersonalAccount
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
    return start_worker(queue, redis_url, ACCOUNTS_CHUNK="200", **env)


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
    deadline = time.monotonic() + 120
    while credited() < ACCOUNTS // 5 and time.monotonic() < deadline:
        assert first.poll() is None
        time.sleep(0.05)
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    done_before_kill = credited()
    assert 0 < done_before_kill < ACCOUNTS, done_before_kill
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING

    second = worker(queue, redis_url, CELERY_VISIBILITY_TIMEOUT="2")
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
    assert job.status == Job.Status.PARTIAL, job.errors  # other regions' parameters are unset
    assert job.attempts == 2
    assert credited() == ACCOUNTS
    per_account = LedgerEntry.objects.values("account_id").annotate(n=Count("id")).filter(n__gt=1)
    assert not per_account.exists()
    assert PersonalAccount.objects.aggregate(s=Sum("balance"))["s"] == Decimal("83.00") * ACCOUNTS
    assert not PersonalAccount.objects.exclude(balance=Decimal("83.00")).exists()
