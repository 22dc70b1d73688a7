"""Writes for background jobs: create (and queue), execute, recover.

A running job touches its heartbeat as it makes progress. When its database connection is cut
mid-run the worker opens a new one, removes what the run left behind (the kind's ``cleanup``)
and sends the job again (up to ``JOB_MAX_ATTEMPTS`` runs, then it fails saying why). When its
worker dies (SIGKILL, a lost machine) the beat's ``jobs_recover_stalled`` does the same for a
running job whose heartbeat is older than ``JOB_HEARTBEAT_TIMEOUT`` and which no live session
holds, instead of waiting for the broker's visibility timeout (an hour)."""

from __future__ import annotations

import logging
from contextlib import suppress
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from staff import audit
from staff.db_faults import connection_broke
from staff.errors import DomainError
from staff.roles import user_has_role

from .models import Job
from .progress import JobProgress, heartbeat_key
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
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "updated_at"])
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
        result = exc.result  # what the check counted, though nothing was applied
        status = Job.Status.FAILED
    except DomainError as exc:
        errors = [
            {"field": exc.field, "message": exc.message} if exc.field else {"message": exc.message}
        ]
        status = Job.Status.FAILED
    except Exception as exc:
        if connection_broke(exc):
            logger.error(
                "job %s (%s): the database connection was lost mid-run", job.pk, job.kind,
                exc_info=exc,
            )  # fmt: skip
            connection.close()  # the next query opens a new connection
            progress.discard()
            return _requeue_or_fail(
                job,
                reason=_("The database connection was lost while the job ran."),
            )
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
    return _finish(
        job,
        status=status,
        errors=errors,
        result=result or {},
        progress=progress.progress,
        total=max(progress.total, progress.progress),
        discard=progress.discard,
    )


def _finish(
    job: Job, *, status: str, errors: list, result: dict, progress: int, total: int, discard=None
) -> Job:
    """Record how the job ended, audit it, and let its kind clean up (staging, files)."""
    job_kind = get_kind(job.kind)
    Job.objects.filter(pk=job.pk).update(
        status=status,
        progress=progress,
        total=total,
        errors=errors,
        result=result,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    if discard is not None:
        discard()
    job.refresh_from_db()
    with audit.acting(channel="job", actor=job.created_by, job_id=job.pk):
        audit.record(
            action="jobs.job.finish",
            obj=job,
            summary=_("%(label)s: %(value)s")
            % {
                "label": job_kind.label if job_kind else job.kind,
                "value": job.get_status_display(),
            },
            changes={"status": job.status, "result": job.result, "errors": len(errors)},
        )
    _cleanup(job, finished=True)
    return job


def _cleanup(job: Job, *, finished: bool) -> None:
    job_kind = get_kind(job.kind)
    if job_kind is None:
        return
    try:
        job_kind.cleanup(job, finished=finished)
    except Exception:
        # What is left (staging rows, a file) is removed again before a rerun and by the beat.
        logger.exception("job %s (%s): cleanup failed", job.pk, job.kind)


def _requeue_or_fail(job: Job, *, reason: str, cleaned: bool = False) -> Job:
    """A run cut short (lost connection, dead worker): remove what it left behind, then send
    the job again, or fail it with the reason once it has been tried ``JOB_MAX_ATTEMPTS``
    times. Handlers are idempotent, so the rerun applies only what the cut run had not."""
    if not cleaned:
        _cleanup(job, finished=False)
    job.refresh_from_db()
    limit = settings.JOB_MAX_ATTEMPTS
    if job.attempts >= limit:
        return _finish(
            job,
            status=Job.Status.FAILED,
            errors=[
                {
                    "message": _("%(reason)s It was tried %(n)d times and has stopped.")
                    % {"reason": reason, "n": job.attempts}
                }
            ],
            result={},
            progress=job.progress,
            total=max(job.total, job.progress),
        )
    note = _("%(reason)s It was sent again (run %(next)d of at most %(limit)d).") % {
        "reason": reason,
        "next": job.attempts + 1,
        "limit": limit,
    }
    Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.QUEUED,
        progress=0,
        heartbeat_at=None,
        errors=[{"message": note}],
        updated_at=timezone.now(),
    )
    logger.warning("job %s (%s) sent again: %s", job.pk, job.kind, reason)
    job_send(job_id=job.pk)
    job.refresh_from_db()
    return job


def heartbeat_timeout() -> timedelta:
    return timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)


def jobs_recover_stalled(*, after: timedelta | None = None) -> list[int]:
    """Beat: requeue (or fail, naming why) each running job whose heartbeat stopped more than
    ``after`` ago (``JOB_HEARTBEAT_TIMEOUT``) and whose worker is gone. On PostgreSQL a job
    whose run lock a live session still holds is left alone: its worker is alive, inside a
    long statement or transaction that cannot write the heartbeat."""
    stale = timezone.now() - (after or heartbeat_timeout())
    candidates = list(
        Job.objects.filter(status=Job.Status.RUNNING)
        .filter(Q(heartbeat_at__lte=stale) | Q(heartbeat_at__isnull=True, updated_at__lte=stale))
        .values_list("pk", flat=True)
    )
    recovered = []
    for job_id in candidates:
        beat = cache.get(heartbeat_key(job_id))
        if beat is not None and beat > stale.timestamp():
            continue  # progress made inside a transaction, seen through the shared cache
        if not _run_lock(job_id, take=True):
            continue  # its worker's session is alive and holds it
        try:
            job = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).first()
            if job is None:
                continue
            last = job.heartbeat_at or job.updated_at
            reason = _("The worker running the job stopped answering (last heartbeat %(at)s).") % {
                "at": timezone.localtime(last).strftime("%Y-%m-%d %H:%M:%S")
            }
            logger.warning("job %s (%s): heartbeat stopped at %s", job.pk, job.kind, last)
            # The run lock is released before the job is sent, so a worker can take it at once.
            _cleanup(job, finished=False)
        finally:
            with suppress(DatabaseError):
                _run_lock(job_id, take=False)
        if job is not None:
            _requeue_or_fail(job, reason=reason, cleaned=True)
            recovered.append(job_id)
    return recovered
