"""Pages every signed-in user sees (the home page with a section per role) and the auditors'
audit trail."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .codes import labelled_text
from .decorators import role_required
from .exports import time_header, xlsx_response
from .forms import AuditFilterForm
from .models import AuditEvent
from .navigation import home_sections
from .roles import AUDITOR
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
                    f"{c['field']}: {'' if c['old'] is None else labelled_text(c['old']) + ' → '}"
                    f"{'' if c['new'] is None else labelled_text(c['new'])}"
                    for c in row["changes"]
                ),
            ]


def _audit_xlsx(events) -> HttpResponse:
    """The search's events (newest first, at most ``EXPORT_AT_MOST``) as a workbook; ID numbers
    masked as on the page; written by ``staff.exports`` (text as text, times in Beijing time)."""
    return xlsx_response(
        f"audit-{timezone.localdate():%Y%m%d}.xlsx", [(str(_("Audit trail")), _audit_rows(events))]
    )
