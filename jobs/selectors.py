"""Reads for background jobs."""

from django.core.cache import cache
from django.db.models import QuerySet

from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN, user_has_role

from .models import Job
from .progress import cache_key


def job_list(*, user) -> QuerySet[Job]:
    """Jobs the user may see: bureau staff see all, others (API clients) only their own."""
    qs = Job.objects.select_related("created_by")
    if user_has_role(user, CLERK, MANAGER, AUDITOR, POLICY_ADMIN):
        return qs
    return qs.filter(created_by=user)


def job_live(job: Job) -> Job:
    """The job with the freshest progress: a running job's cache entry is newer than its row."""
    if job.status == Job.Status.RUNNING:
        live = cache.get(cache_key(job))
        if live and live.get("stage"):
            # A pass restarts the count: the cache, written at every step before the row, is
            # the figure (the row may still hold the previous pass's).
            job.stage = live["stage"]
            job.progress, job.total = live["progress"], live["total"]
        elif live:
            job.progress = max(job.progress, live["progress"])
            job.total = max(job.total, live["total"], job.progress)
    return job
