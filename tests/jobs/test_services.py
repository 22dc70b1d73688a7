"""Job lifecycle: validation, permission, statuses, progress, idempotent re-execution."""

import time

import pytest

from jobs.models import Job
from jobs.registry import JobFailed, register
from jobs.services import JobPermissionDenied, job_create, job_execute
from staff.errors import DomainError
from staff.roles import CLERK, INSTITUTION, MANAGER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@register("test_partial", label="partial", roles=(MANAGER,))
def _partial(job, progress):
    progress.set_total(3)
    for row in (1, 2, 3):
        if row == 2:
            progress.error("境外地区编码", row=row, field="region", region="999999")
        progress.advance()
    return {"applied": 2}


@register("test_failed", label="failed", roles=(MANAGER,))
def _failed(job, progress):
    raise JobFailed([{"row": 4, "field": "period", "message": "bad period"}])


@register("test_crash", label="crash", roles=(MANAGER,))
def _crash(job, progress):
    raise RuntimeError("boom")


def run(kind, user, django_capture_on_commit_callbacks, **parameters) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(kind=kind, parameters=parameters, created_by=user)
    job.refresh_from_db()
    return job


def test_selfcheck_runs_to_succeeded_with_progress(django_capture_on_commit_callbacks):
    manager = UserFactory(roles=[MANAGER])
    job = run("selfcheck", manager, django_capture_on_commit_callbacks, steps=7)
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress, job.total) == (7, 7)
    assert job.result["steps"] == 7
    assert job.attempts == 1
    assert job.started_at and job.finished_at


def test_errors_make_a_partial_job_and_name_row_field_region(django_capture_on_commit_callbacks):
    job = run("test_partial", UserFactory(roles=[MANAGER]), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.PARTIAL
    assert job.errors == [
        {"row": 2, "field": "region", "region": "999999", "message": "境外地区编码"}
    ]
    assert job.result == {"applied": 2}


def test_job_failed_lists_every_error(django_capture_on_commit_callbacks):
    job = run("test_failed", UserFactory(roles=[MANAGER]), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert job.errors == [{"row": 4, "field": "period", "message": "bad period"}]


def test_a_crash_fails_the_job_with_a_readable_message(django_capture_on_commit_callbacks):
    job = run("test_crash", UserFactory(roles=[MANAGER]), django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert "意外错误" in job.errors[0]["message"]  # "unexpected error", in the default language
    assert "boom" not in job.errors[0]["message"]


def test_finished_job_is_not_run_again(django_capture_on_commit_callbacks):
    job = run("selfcheck", UserFactory(roles=[CLERK]), django_capture_on_commit_callbacks, steps=2)
    assert job_execute(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.attempts == 1


def test_redelivered_running_job_runs_again():
    """A worker died mid-run (status still running): the redelivered task runs the handler again."""
    user = UserFactory(roles=[CLERK])
    job = Job.objects.create(
        kind="selfcheck",
        parameters={"steps": 3, "delay_ms": 0},
        status="running",
        attempts=1,
        created_by=user,
    )
    job = job_execute(job_id=job.pk)
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2


def test_unknown_kind_is_refused_naming_the_field():
    with pytest.raises(DomainError) as err:
        job_create(kind="nonsense", parameters={}, created_by=UserFactory(roles=[MANAGER]))
    assert err.value.field == "kind"
    assert "selfcheck" in err.value.message
    assert not Job.objects.exists()


@pytest.mark.parametrize("steps", [0, -1, 10_001, "many", True, 1.5])
def test_bad_parameters_are_refused_naming_the_field(steps):
    with pytest.raises(DomainError) as err:
        job_create(
            kind="selfcheck", parameters={"steps": steps}, created_by=UserFactory(roles=[MANAGER])
        )
    assert err.value.field == "steps"
    assert not Job.objects.exists()


def test_role_without_the_kind_is_refused():
    with pytest.raises(JobPermissionDenied):
        job_create(kind="selfcheck", parameters={}, created_by=UserFactory(roles=[INSTITUTION]))


def test_a_job_running_in_another_worker_is_not_run_again(postgres):
    """A second delivery while the first still runs (its worker holds the job's run lock on
    its own connection) does nothing; once that connection is gone the job runs."""
    import psycopg
    from django.db import connection

    from jobs.services import _RUN_LOCK_SPACE

    job = Job.objects.create(kind="selfcheck", parameters={"steps": 1, "delay_ms": 0})
    s = connection.settings_dict
    other = psycopg.connect(
        host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432, dbname=s["NAME"], user=s["USER"]
    )
    other.execute("SELECT pg_advisory_lock(%s, %s)", [_RUN_LOCK_SPACE, job.pk])
    assert job_execute(job_id=job.pk) is None
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.QUEUED, 0)
    other.close()  # the first worker died: its lock went with its connection
    # The server drops a closed session's locks as its backend exits, a moment after the
    # client hangs up: wait (bounded) until pg_locks no longer shows it.
    with connection.cursor() as cursor:
        for _ in range(100):
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s"
                " AND objid = %s AND objsubid = 2",
                [_RUN_LOCK_SPACE, job.pk],
            )
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.05)
    assert job_execute(job_id=job.pk).status == Job.Status.SUCCEEDED


def test_only_jobs_waiting_too_long_are_resent(db):
    from datetime import timedelta

    from django.utils import timezone

    from jobs.services import jobs_resend_queued

    fresh = Job.objects.create(kind="selfcheck", parameters={"steps": 1, "delay_ms": 0})
    old = Job.objects.create(kind="selfcheck", parameters={"steps": 1, "delay_ms": 0})
    Job.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    done = Job.objects.create(kind="selfcheck", parameters={"steps": 1}, status="succeeded")
    Job.objects.filter(pk=done.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    assert jobs_resend_queued() == 1  # eager here: the old one ran
    assert Job.objects.get(pk=old.pk).status == Job.Status.SUCCEEDED
    assert Job.objects.get(pk=fresh.pk).status == Job.Status.QUEUED
