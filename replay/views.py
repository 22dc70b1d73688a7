"""Policy replay pages (issue 21): a manager starts a replay of a draft over a period and reads
the comparison — headline figures, tables by month, benefit, level, rate class and age band,
the persons better and worse off, refusals, crediting, the exact check and the draft's
differences — on screen, as XLSX and as a printed evaluation report (评估报告).

Managers start replays; policy administrators and auditors read them. The job itself
(kind ``policy_replay``) is the engine's (``replay.services``/``tasks``): these pages only
create it through ``jobs.services.job_create`` and read its ``result``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jobs.models import Job
from jobs.registry import get_kind
from jobs.selectors import job_list, job_live
from jobs.services import job_create
from staff.decorators import role_required
from staff.errors import DomainError
from staff.inputs import BadInput
from staff.roles import MANAGER, POLICY_ADMIN, user_has_role

from .exports import comparison, xlsx
from .forms import ReplayForm, draft_label

KIND = "policy_replay"
# Who reads replays (auditors read every page as well, ``role_required``'s default).
READERS = (MANAGER, POLICY_ADMIN)


def replay_jobs(user):
    return job_list(user=user).filter(kind=KIND)


def _job_or_404(request, job_id: int) -> Job:
    return job_live(get_object_or_404(replay_jobs(request.user), pk=job_id))


def _initial(request) -> dict:
    """``?draft=7`` (the "模拟评估" link beside a draft) preselects the draft."""
    raw = request.GET.get("draft", "")
    return {"draft": raw} if raw.isascii() and raw.isdigit() else {}


@role_required(*READERS)
def replay_start_page(request):
    """Choose a draft and a period, start the replay; below, the replays already run."""
    can_start = user_has_role(request.user, MANAGER)
    status = 200
    if request.method == "POST":
        if not can_start:
            raise PermissionDenied  # policy administrators read replays, they start none
        form = ReplayForm(request.POST)
        if form.is_valid():
            try:
                job = job_create(kind=KIND, parameters=form.parameters(), created_by=request.user)
            except (DomainError, BadInput) as exc:
                where = exc.field if exc.field in form.fields else None
                form.add_error(where, exc.message)
            else:
                started = _("The replay has started: job #%(id)s.") % {"id": job.pk}
                messages.success(request, started)
                return redirect("replay:result", job_id=job.pk)
        status = 400
    else:
        form = ReplayForm(initial=_initial(request))
    jobs = list(replay_jobs(request.user)[:20])
    drafts = {d.pk: d for d in form.fields["draft"].queryset}
    rows = [
        {
            "job": job,
            "draft": draft_label(drafts[job.parameters.get("draft")])
            if job.parameters.get("draft") in drafts
            else (job.result or {}).get("draft_title") or f"#{job.parameters.get('draft', '—')}",
            "region": (job.result or {}).get("region_name", ""),
            "period": f"{job.parameters.get('start', '…')} — {job.parameters.get('end', '…')}",
        }
        for job in jobs
    ]
    return render(
        request,
        "replay/start.html",
        {
            "form": form,
            "can_start": can_start,
            "engine_ready": get_kind(KIND) is not None,
            "rows": rows,
        },
        status=status,
    )


def _context(job: Job) -> dict:
    kind = get_kind(job.kind)
    return {
        "job": job,
        "kind_label": kind.label if kind else _("Policy replay of a draft"),
        "c": comparison(job.result) if job.result else None,
    }


@role_required(*READERS)
@require_safe
def replay_result_page(request, job_id: int):
    """The comparison of a finished replay; a running one shows its progress and reloads
    itself when it ends."""
    job = _job_or_404(request, job_id)
    return render(request, "replay/result.html", _context(job))


@role_required(*READERS)
@require_safe
def replay_progress_fragment(request, job_id: int):
    """The progress bar alone, polled by htmx; once the job has ended htmx reloads the page
    (``HX-Refresh``) so the comparison replaces the bar."""
    job = _job_or_404(request, job_id)
    response = render(request, "replay/_progress.html", {"job": job})
    if job.is_finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


def _finished_with_result(request, job_id: int) -> Job:
    job = _job_or_404(request, job_id)
    if not job.is_finished or not job.result:
        raise Http404(_("This replay has no result yet."))
    return job


@role_required(*READERS)
@require_safe
def replay_export(request, job_id: int):
    """The comparison as XLSX (``staff.exports``: money as numbers ``#,##0.00``, labels)."""
    job = _finished_with_result(request, job_id)
    return xlsx(job, comparison(job.result))


@role_required(*READERS)
@require_safe
def replay_report_page(request, job_id: int):
    """The printable evaluation report (评估报告), A4, with signature and seal areas."""
    job = _finished_with_result(request, job_id)
    return render(request, "replay/report.html", _context(job))
