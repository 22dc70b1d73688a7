"""Jobs carry a heartbeat; the beat requeues (or fails, saying why) a running job whose heartbeat
stopped and whose worker is gone, removing what the cut run left behind. A job whose worker is
alive (fresh heartbeat, or its run lock held by a live session) is left alone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs.models import Job
from jobs.registry import register
from jobs.services import jobs_recover_stalled
from jobs.tasks import recover_stalled
from staff.roles import MANAGER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LEFT_BEHIND: dict[int, list[str]] = {}


@pytest.fixture(autouse=True)
def _fresh_record():
    LEFT_BEHIND.clear()  # ids are reused between tests where the database rolls them back


def _cleanup(job, *, finished):
    LEFT_BEHIND.setdefault(job.pk, []).append("finished" if finished else "cut")


@register("test_staging", label="staging", roles=(MANAGER,), cleanup=_cleanup)
def _staging(job, progress):
    progress.set_total(2)
    progress.advance(2)
    return {"rows": 2}


def stalled(*, attempts=1, beat_ago=timedelta(minutes=10), kind="test_staging") -> Job:
    job = Job.objects.create(
        kind=kind,
        parameters={},
        status=Job.Status.RUNNING,
        attempts=attempts,
        started_at=timezone.now() - beat_ago,
        heartbeat_at=timezone.now() - beat_ago,
        created_by=UserFactory(roles=[MANAGER]),
    )
    return job


def test_a_stalled_job_is_cleaned_up_and_sent_again(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    job = stalled()
    assert recover_stalled() == [job.pk]  # the beat's task; eager here: the job ran again
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2
    assert job.result == {"rows": 2}
    # the cut run's leftovers went before the rerun, the rerun's when it ended
    assert LEFT_BEHIND[job.pk] == ["cut", "finished"]


def test_a_job_stalled_on_its_last_attempt_fails_naming_why(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    settings.JOB_MAX_ATTEMPTS = 3
    job = stalled(attempts=3)
    assert jobs_recover_stalled() == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.finished_at is not None
    message = job.errors[0]["message"]
    assert "心跳" in message or "heartbeat" in message  # the worker stopped answering
    assert "3" in message
    assert LEFT_BEHIND[job.pk] == ["cut", "finished"]


def test_a_job_with_a_fresh_heartbeat_is_left_alone(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    job = stalled(beat_ago=timedelta(seconds=5))
    assert jobs_recover_stalled() == []
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
    assert job.pk not in LEFT_BEHIND


def test_progress_touches_the_heartbeat(settings, django_capture_on_commit_callbacks):
    from jobs.services import job_create

    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(
            kind="selfcheck",
            parameters={"steps": 3, "delay_ms": 0},
            created_by=UserFactory(roles=[MANAGER]),
        )
    job.refresh_from_db()
    assert job.heartbeat_at is not None
    assert job.heartbeat_at >= job.started_at


def test_a_job_whose_worker_session_is_alive_is_left_alone(postgres, settings):
    """Its heartbeat is old (a long transaction cannot write it) but its worker's session holds
    the run lock: the worker is alive, the job is not touched."""
    import psycopg
    from django.db import connection

    from jobs.services import _RUN_LOCK_SPACE

    settings.JOB_HEARTBEAT_TIMEOUT = 60
    job = stalled()
    s = connection.settings_dict
    worker = psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, dbname=s["NAME"], user=s["USER"]
    )
    worker.execute("SELECT pg_advisory_lock(%s, %s)", [_RUN_LOCK_SPACE, job.pk])
    assert jobs_recover_stalled() == []
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    worker.close()  # the worker died: its lock went with its connection
    assert jobs_recover_stalled() == [job.pk]
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
