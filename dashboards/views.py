"""Managers' dashboards (auditors read them too): the figures from the summary tables, as
ECharts charts with the same figures in a table under each, filters and XLSX export."""

from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.models import Institution
from staff.decorators import role_required
from staff.exports import xlsx_response
from staff.roles import MANAGER

from . import selectors
from .forms import FilterForm
from .summaries import claim_changes_fold

PAGES = {
    "fund": (gettext_lazy("Fund overview"), selectors.fund_overview),
    "accounts": (gettext_lazy("Personal accounts"), selectors.accounts_overview),
    "sharing": (gettext_lazy("Family sharing"), selectors.sharing_overview),
    "caps": (gettext_lazy("Caps and deductibles"), selectors.caps_overview),
    "chronic": (gettext_lazy("Chronic and special diseases"), selectors.chronic_overview),
    "institutions": (gettext_lazy("Institutions"), selectors.institutions_overview),
}


def _xlsx(title: str, panels, filters) -> HttpResponse:
    """One sheet per panel, written by ``staff.exports`` (money as numbers with two places,
    text as text)."""
    heading = f"{title} {filters.start:%Y-%m}–{filters.end:%Y-%m}"
    sheets = [
        (
            str(panel.title),
            [
                [heading],
                [str(c) for c in panel.columns],
                *([_cell(c) for c in row] for row in panel.rows),
            ],
        )
        for panel in panels
    ]
    return xlsx_response(f"dashboard-{filters.start:%Y%m}-{filters.end:%Y%m}.xlsx", sheets)


def _cell(value):
    """Numbers stay numbers (money as Decimal); everything else is text."""
    if value is None or isinstance(value, int | Decimal):
        return value
    return str(value)


@role_required(MANAGER)
def dashboard_page(request, page: str = "fund"):
    title, build = PAGES[page]
    form = FilterForm(request.GET or None)
    filters = form.filters()
    claim_changes_fold(wait=False)  # the claims settled since the last fold, too
    kpis, panels = build(filters)
    if request.GET.get("export") == "xlsx" and form.is_valid():
        return _xlsx(str(title), panels, filters)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "dashboards/page.html",
        {
            "title": title,
            "page": page,
            "pages": [(key, label) for key, (label, _build) in PAGES.items()],
            "form": form,
            "filters": filters,
            "kpis": kpis,
            "panels": panels,
            "query": request.GET.urlencode(),
        },
        status=status,
    )


@role_required(MANAGER)
def institution_page(request, institution_id: int):
    institution = get_object_or_404(Institution.objects.select_related("region"), pk=institution_id)
    form = FilterForm(request.GET or None)
    filters = form.filters()
    claim_changes_fold(wait=False)
    panel = selectors.institution_months(institution_id, filters)
    if request.GET.get("export") == "xlsx" and form.is_valid():
        return _xlsx(institution.name, [panel], filters)
    claims = Paginator(selectors.institution_claims(institution_id, filters), 50)
    return render(
        request,
        "dashboards/institution.html",
        {
            "title": _("Institution: %(name)s") % {"name": institution.name},
            "institution": institution,
            "form": form,
            "filters": filters,
            "panels": [panel],
            "page_obj": claims.get_page(request.GET.get("page")),
            "query": request.GET.urlencode(),
            "pages": [(key, label) for key, (label, _build) in PAGES.items()],
            "page": "institutions",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
