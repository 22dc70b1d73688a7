"""A real Celery worker, a real Redis broker, PostgreSQL: a job runs to ``succeeded`` and its
progress is visible while it runs."""

import subprocess
import time
import uuid

import pytest

from jobs.models import Job
from jobs.selectors import job_live
from jobs.services import job_create
from staff.roles import MANAGER
from tests.factories import UserFactory
from tests.helpers.procs import start_worker

pytestmark = [pytest.mark.celery_worker, pytest.mark.slow]


@pytest.fixture
def worker(postgres_tx, redis_url, settings):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    settings.CELERY_TASK_DEFAULT_QUEUE = queue
    proc = start_worker(queue, redis_url, loglevel="INFO")
    yield proc
    proc.terminate()
    try:
        output, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
    print(output[-4000:])


def test_worker_runs_a_job_to_succeeded_recording_progress(worker):
    manager = UserFactory(roles=[MANAGER])
    job = job_create(
        kind="selfcheck", parameters={"steps": 40, "delay_ms": 50}, created_by=manager
    )  # autocommit: the job is queued on Redis at once
    seen_progress: set[int] = set()
    seen_status: set[str] = set()
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        live = job_live(job)
        seen_status.add(live.status)
        seen_progress.add(live.progress)
        if job.is_finished:
            break
        assert worker.poll() is None, "the worker exited"
        time.sleep(0.05)
    assert job.status == Job.Status.SUCCEEDED, (job.status, job.errors)
    assert (job.progress, job.total) == (40, 40)
    assert job.result == {"database": "postgresql", "steps": 40}
    assert "running" in seen_status
    assert any(0 < p < 40 for p in seen_progress), sorted(seen_progress)
