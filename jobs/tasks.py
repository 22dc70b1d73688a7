from celery import shared_task

from .services import job_execute, jobs_recover_stalled, jobs_resend_queued


@shared_task(name="jobs.run_job", acks_late=True, reject_on_worker_lost=True)
def run_job(job_id: int) -> str | None:
    job = job_execute(job_id=job_id)
    return job.status if job else None


@shared_task(name="jobs.resend_queued")
def resend_queued() -> int:
    """Beat: jobs whose message was lost with the broker are sent again."""
    return jobs_resend_queued()


@shared_task(name="jobs.recover_stalled")
def recover_stalled() -> list[int]:
    """Beat: running jobs whose heartbeat stopped (a dead worker) are sent again or failed."""
    return jobs_recover_stalled()
