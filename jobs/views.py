"""Job pages: list, detail with a self-refreshing progress bar (htmx), start a self-check."""

from celery import current_app as current_celery_app
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from staff.errors import DomainError
from staff.paginator import Paginator
from staff.roles import AUDITOR, user_has_role

from .registry import all_kinds, get_kind
from .selectors import job_list, job_live
from .services import job_create


@login_required
@require_safe
def job_list_page(request):
    page = Paginator(job_list(user=request.user), 25).get_page(request.GET.get("page"))
    # The self-check button only for those it runs for (an institution's user was shown it and
    # got a 403; an auditor still sees it, disabled, as every form of a read-only role).
    can_selfcheck = user_has_role(request.user, *get_kind("selfcheck").roles) or (
        user_has_role(request.user, AUDITOR)
    )
    return render(
        request,
        "jobs/job_list.html",
        {"page": page, "backlogs": _backlogs(), "can_selfcheck": can_selfcheck},
    )


def _backlogs(kind=None) -> list[tuple]:
    """(kind, [earlier periods with work to do]) for the kinds that can tell."""
    kinds = [kind] if kind is not None else all_kinds()
    found = []
    for k in kinds:
        if k is not None and k.backlog is not None:
            items = k.backlog()
            if items:
                found.append((k, items))
    return found


@login_required
@require_safe
def job_detail_page(request, job_id: int):
    job = job_live(get_object_or_404(job_list(user=request.user), pk=job_id))
    kind = get_kind(job.kind)
    return render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "kind": kind,
            "backlogs": _backlogs(kind) if kind else [],
            "report_url": _report_url(request, job),
            "errors": _errors(job),
        },
    )


def _errors(job) -> list[dict]:
    """The job's errors, each field named as the kind's file names its column (the import
    template's header) when the kind gives its headers; else by the field's usual label."""
    kind = get_kind(job.kind)
    labels = (kind.field_labels if kind else None) or {}
    errors = [{**e, "field_label": labels.get(e.get("field") or "", "")} for e in job.errors or []]
    # A job written before its errors named their region shows the region's name all the
    # same (one query), never a bare code such as 220000.
    missing = {e["region"] for e in errors if e.get("region") and not e.get("region_name")}
    if missing:
        names = dict(
            apps.get_model("policies", "Region")
            .objects.filter(code__in=missing)
            .values_list("code", "name")
        )
        for e in errors:
            if e.get("region") in names and not e.get("region_name"):
                e["region_name"] = names[e["region"]]
    return errors


def _report_url(request, job) -> str:
    """The failed job's downloadable error report, for the users who do this kind of job and
    the auditors (who read everything)."""
    kind = get_kind(job.kind)
    if (
        kind is None
        or kind.error_report is None
        or job.status != job.Status.FAILED
        or not job.errors
        or not user_has_role(request.user, *kind.roles, AUDITOR)
    ):
        return ""
    return kind.error_report(job)


@login_required
@require_safe
def job_progress_fragment(request, job_id: int):
    """The progress bar alone; htmx polls it until the job has finished."""
    job = job_live(get_object_or_404(job_list(user=request.user), pk=job_id))
    return render(
        request,
        "jobs/_progress.html",
        {"job": job, "report_url": _report_url(request, job), "errors": _errors(job)},
    )


@login_required
@require_POST
def selfcheck_start(request):
    if not user_has_role(request.user, *get_kind("selfcheck").roles):
        raise PermissionDenied  # auditors and API clients start nothing
    # With a worker, pace the steps so the progress bar has something to show; in-process
    # (no broker) the request waits for the job, so it runs at full speed.
    delay_ms = 0 if current_celery_app.conf.task_always_eager else 40
    try:
        job = job_create(
            kind="selfcheck",
            parameters={"steps": 50, "delay_ms": delay_ms},
            created_by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("jobs:list")
    return redirect("jobs:detail", job_id=job.pk)
