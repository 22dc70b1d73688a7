"""Scheduled work (one beat): the 1st of each month credits retirees, 1 January closes the year.

Each task only creates a job; the job runner does the work, so the run shows up with its
progress and errors like any other job, and a second beat by mistake credits nobody twice.
"""

from celery import shared_task
from django.utils import timezone

from jobs.services import job_create


@shared_task(name="accounts.credit_current_month")
def credit_current_month() -> int:
    period = f"{timezone.localdate():%Y-%m}"
    return job_create(kind="monthly_crediting", parameters={"period": period}, created_by=None).pk


@shared_task(name="accounts.close_last_year")
def close_last_year() -> int:
    year = timezone.localdate().year - 1
    return job_create(kind="year_end", parameters={"year": year}, created_by=None).pk


@shared_task(name="accounts.purge_payroll_uploads")
def purge_payroll_uploads() -> int:
    """Beat: uploaded payroll files kept past their retention are deleted."""
    from .payroll import payroll_uploads_purge

    return payroll_uploads_purge()
