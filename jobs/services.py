"""Writes for background jobs: create (and queue), execute."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from staff import audit
from staff.errors import DomainError
from staff.roles import user_has_role

from .models import Job
from .progress import JobProgress
from .registry import JobFailed, all_kinds, get_kind

logger = logging.getLogger(__name__)


class JobPermissionDenied(DomainError):
    status_code = 403


@transaction.atomic
def job_create(*, kind: str, parameters: dict[str, Any], created_by) -> Job:
    """Validate the parameters for ``kind``, record the job and queue it after commit."""
    job_kind = get_kind(kind)
    if job_kind is None:
        known = ", ".join(k.kind for k in all_kinds())
        raise DomainError(
            _("Unknown job kind “%(kind)s”; known kinds: %(known)s.")
            % {"kind": kind, "known": known},
            field="kind",
        )
    if created_by is not None and not user_has_role(created_by, *job_kind.roles):
        raise JobPermissionDenied(_("Your role may not start a “%(kind)s” job.") % {"kind": kind})
    cleaned = job_kind.clean(dict(parameters))
    job = Job.objects.create(kind=kind, parameters=cleaned, created_by=created_by)
    audit.record(
        action="jobs.job.create",
        obj=job,
        summary=str(job_kind.label),
        changes={"kind": kind, "parameters": cleaned},
        actor=created_by,
    )
    job_enqueue(job=job)
    return job


def job_enqueue(*, job: Job) -> None:
    """Send the job to Celery once the surrounding transaction commits."""
    job_id = job.pk
    transaction.on_commit(lambda: job_send(job_id=job_id))


def job_send(*, job_id: int) -> bool:
    """Put the job on the queue. With the broker down the job stays queued in the database
    (the request that made it still succeeds) and ``jobs_resend_queued`` sends it later."""
    from kombu.exceptions import OperationalError

    from .tasks import run_job

    try:
        run_job.apply_async((job_id,), queue=settings.CELERY_TASK_DEFAULT_QUEUE)
    except (OperationalError, OSError):  # kombu's wrapper, or the socket's own error
        logger.warning("job %s not sent: the broker is unavailable; it will be resent", job_id)
        return False
    return True


RESEND_AFTER = timedelta(minutes=2)


def jobs_resend_queued(*, older_than: timedelta = RESEND_AFTER) -> int:
    """Send again every job still waiting for a worker after ``older_than``: its message may
    have been lost with the broker (a Redis restart without persistence, a send that failed).
    A job sent twice still runs once (see ``_claim``)."""
    stale = timezone.now() - older_than
    waiting = list(
        Job.objects.filter(status=Job.Status.QUEUED, updated_at__lte=stale).values_list(
            "pk", flat=True
        )
    )
    sent = 0
    for job_id in waiting:
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(updated_at=timezone.now())
        sent += job_send(job_id=job_id)
    return sent


def _run_lock(job_id: int, *, take: bool) -> bool:
    """A session lock held while a job runs: a second delivery of the same job (sent again,
    or redelivered) waits for nothing and runs nothing while the first is alive; a worker that
    dies releases it with its connection, so a redelivery after a crash runs."""
    if connection.vendor != "postgresql":
        return True
    function = "pg_try_advisory_lock" if take else "pg_advisory_unlock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {function}(%s, %s)", [_RUN_LOCK_SPACE, job_id])
        return bool(cursor.fetchone()[0])


_RUN_LOCK_SPACE = 7410  # advisory-lock namespace of running jobs


def _claim(job_id: int) -> Job | None:
    """Mark the job running (a redelivered job runs again); None when it has already finished."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "updated_at"])
        return job


def job_execute(*, job_id: int) -> Job | None:
    """Run the job's handler and record how it ended. Finished jobs are left alone."""
    if not _run_lock(job_id, take=True):
        return None  # the same job is running in another worker right now
    try:
        job = _claim(job_id)
        return _execute(job) if job is not None else None
    finally:
        with suppress(DatabaseError):  # a lost connection has released it already
            _run_lock(job_id, take=False)


def _execute(job: Job) -> Job:
    job_kind = get_kind(job.kind)
    progress = JobProgress(job)
    result: dict | None = None
    errors: list[dict[str, Any]]
    try:
        if job_kind is None:
            raise JobFailed([{"message": f"No handler is registered for job kind {job.kind!r}."}])
        with audit.acting(channel="job", actor=job.created_by, job_id=job.pk):
            result = job_kind.handler(job, progress)
        errors = progress.errors
        status = Job.Status.PARTIAL if errors else Job.Status.SUCCEEDED
    except JobFailed as exc:
        errors = exc.errors
        status = Job.Status.FAILED
    except DomainError as exc:
        errors = [
            {"field": exc.field, "message": exc.message} if exc.field else {"message": exc.message}
        ]
        status = Job.Status.FAILED
    except Exception:
        logger.exception("job %s (%s) crashed", job.pk, job.kind)
        errors = [
            {
                "message": _(
                    "The job stopped on an unexpected error; nothing was applied by "
                    "its last step. The technical details are in the server log."
                )
            }
        ]
        status = Job.Status.FAILED
    if progress.errors_dropped:
        errors = [
            *errors,
            {"message": _("%(n)d further errors not listed.") % {"n": progress.errors_dropped}},
        ]
    Job.objects.filter(pk=job.pk).update(
        status=status,
        progress=progress.progress,
        total=max(progress.total, progress.progress),
        errors=errors,
        result=result or {},
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    progress.discard()
    job.refresh_from_db()
    with audit.acting(channel="job", actor=job.created_by, job_id=job.pk):
        audit.record(
            action="jobs.job.finish",
            obj=job,
            summary=f"{job_kind.label if job_kind else job.kind}: {job.get_status_display()}",
            changes={"status": job.status, "result": job.result, "errors": len(errors)},
        )
    return job
