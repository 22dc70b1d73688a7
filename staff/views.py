"""Pages every signed-in user sees (the home page with a section per role), the auditors'
audit trail, and the two-person review's queue (待复核) and review page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .codes import labelled_text
from .decorators import role_required
from .errors import DomainError
from .exports import time_header, xlsx_response
from .forms import AuditFilterForm, ReviewDecisionForm
from .models import AuditEvent, ReviewRequest
from .navigation import home_sections
from .paginator import Paginator
from .reviews import (
    act_of,
    object_url,
    refusal,
    review_approve,
    review_reject,
    review_withdraw,
    reviews_visible_to,
)
from .roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN
from .selectors import AuditQuery, audit_events, described


@login_required
@require_safe
def home(request):
    return render(request, "staff/home.html", {"sections": home_sections(request.user)})


@role_required(AUDITOR)
@require_safe
def audit_trail(request):
    """审计日志: search every recorded change by person, user, date and kind; read only."""
    form = AuditFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    query = form.query() if request.GET and valid else AuditQuery()
    if request.GET.get("export") == "xlsx" and valid:
        return _audit_xlsx(audit_events(query=query))
    page = Paginator(audit_events(query=query), 50).get_page(request.GET.get("page"))
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "staff/audit.html",
        {
            "form": form,
            "page": page,
            "rows": described(list(page)),
            "pager_query": urlencode(kept),
            "export_at_most": EXPORT_AT_MOST,
        },
        status=200 if valid else 400,
    )


EXPORT_AT_MOST = 10_000


def _audit_rows(events):
    heads = (time_header(_("When")), _("User"), _("Channel"), _("Address"), _("Job"),
             _("Action"), _("Object"), _("Person"), _("Amount"), _("Summary"),
             _("What changed"))  # fmt: skip
    yield [str(h) for h in heads]
    chosen = list(events.values_list("pk", flat=True)[:EXPORT_AT_MOST])
    for start in range(0, len(chosen), 500):
        part = list(
            AuditEvent.objects.filter(pk__in=chosen[start : start + 500]).order_by("-at", "-id")
        )
        for row in described(part):
            e = row["event"]
            yield [
                e.at,
                e.actor_name,
                str(e.get_channel_display()),
                e.address or "",
                e.job_id,
                str(row["action"]),
                f"{row['object']} #{e.object_id}" if e.object_id else str(row["object"]),
                "; ".join(f"{p.name} {p.masked_id_number}" for p in row["persons"]),
                e.amount,
                labelled_text(e.summary),  # ``13 1 approved`` → its labels, as on the page
                "; ".join(
                    _("%(label)s: %(value)s")
                    % {
                        "label": c["field"],
                        "value": ("" if c["old"] is None else labelled_text(c["old"]) + " → ")
                        + ("" if c["new"] is None else labelled_text(c["new"])),
                    }
                    for c in row["changes"]
                ),
            ]


def _audit_xlsx(events) -> HttpResponse:
    """The search's events (newest first, at most ``EXPORT_AT_MOST``) as a workbook; ID numbers
    masked as on the page; written by ``staff.exports`` (text as text, times in Beijing time)."""
    return xlsx_response(
        f"audit-{timezone.localdate():%Y%m%d}.xlsx", [(str(_("Audit trail")), _audit_rows(events))]
    )


# --- Two-person review (经办/复核) ------------------------------------------------------------

REVIEWERS = (CLERK, MANAGER, POLICY_ADMIN)  # auditors read the queue (role_required's GET)


@role_required(*REVIEWERS)
@require_safe
def review_list(request):
    """待复核: requests awaiting review (or decided ones, by status), each marked when the
    signed-in user may decide it."""
    status = request.GET.get("status", ReviewRequest.Status.PENDING)
    if status not in ReviewRequest.Status.values and status != "all":
        status = ReviewRequest.Status.PENDING
    kind = request.GET.get("kind", "")
    kind = kind if kind in ReviewRequest.Kind.values else ""
    qs = reviews_visible_to(
        request.user, status=None if status == "all" else status, kind=kind or None
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for review in page:
        review.may_decide = review.status == "pending" and refusal(review, request.user) is None
        review.url = object_url(review)
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "staff/review_list.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "statuses": [*ReviewRequest.Status.choices, ("all", _("All"))],
            "kinds": ReviewRequest.Kind.choices,
            "pager_query": urlencode(kept),
        },
    )


@role_required(*REVIEWERS)
def review_detail(request, review_id: int):
    """复核: what exactly will be done (the slip to reverse, the certification, the policy's
    difference), who asked and why; approve or reject with a reason, or withdraw one's own."""
    review = get_object_or_404(reviews_visible_to(request.user), pk=review_id)
    form = ReviewDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
        try:
            if action == "approve":
                review_approve(review=review, actor=request.user, reason=reason)
                done = _("Approved: the act is done.")
            elif action == "reject":
                review_reject(review=review, actor=request.user, reason=reason)
                done = _("Rejected: nothing was changed.")
            else:
                review_withdraw(review=review, actor=request.user, reason=reason)
                done = _("Withdrawn: nothing was changed.")
        except DomainError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(request, done)
            return redirect("review_detail", review_id=review.pk)
    part = None
    try:
        describe = act_of(review.kind).describe
        part = describe(review) if describe else None
    except (ObjectDoesNotExist, KeyError):
        part = None  # the object is gone (a published draft): the request's own record stays
    pending = review.status == ReviewRequest.Status.PENDING
    why_not = refusal(review, request.user) if pending else None
    return render(
        request,
        "staff/review_detail.html",
        {
            **(part[1] if part else {}),  # the act's own page part: ``s``, ``c``, ``region``…
            "review": review,
            "form": form,
            "part_template": part[0] if part else None,
            "object_url": object_url(review),
            "may_decide": pending and why_not is None,
            "why_not": why_not,
            "may_withdraw": pending and review.requested_by_id == request.user.pk,
        },
        status=400 if form.is_bound and form.errors else 200,
    )
