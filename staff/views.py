"""Pages every signed-in user sees (the home page with a section per role) and the auditors'
audit trail."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .decorators import role_required
from .forms import AuditFilterForm
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
        },
        status=200 if valid else 400,
    )
