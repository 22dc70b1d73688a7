"""Managers' dashboards (auditors read them too): the figures from the summary tables, as
ECharts charts with the same figures in a table under each, filters and XLSX export."""

import calendar
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Sum
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.models import Institution
from policies.models import Region
from staff import codes as code_labels
from staff.decorators import role_required
from staff.exports import local_time, time_header, xlsx_response
from staff.paginator import Paginator
from staff.roles import MANAGER

from . import selectors
from .forms import FilterForm
from .summaries import claim_changes_fold

# The institution's settlement list's money columns, in the order the page shows them.
SETTLEMENT_MONEY = ("total_amount", "pool_paid", "account_paid", "family_account_paid", "cash_paid")

PAGES = {
    "fund": (gettext_lazy("Fund overview"), selectors.fund_overview),
    "accounts": (gettext_lazy("Personal accounts"), selectors.accounts_overview),
    "sharing": (gettext_lazy("Family sharing"), selectors.sharing_overview),
    "caps": (gettext_lazy("Caps and deductibles"), selectors.caps_overview),
    "chronic": (gettext_lazy("Chronic and special diseases"), selectors.chronic_overview),
    "institutions": (gettext_lazy("Institutions"), selectors.institutions_overview),
}


def filter_rows(filters, *, page: str = "", institution=None) -> list[list]:
    """The export's title rows after the title: each filter with its label and its value in
    words (全部地区 when none was chosen), the unit of the amounts and the export's time."""
    region = Region.objects.filter(pk=filters.region_id).first() if filters.region_id else None
    rows = []
    if institution is not None:
        rows.append([_("Institution"), f"{institution.code} {institution.name}"])
    rows += [
        [_("Region"), region.name if region else _("All regions")],
        [_("Period shown"), f"{filters.start:%Y-%m} – {filters.end:%Y-%m}"],
        [
            _("Category"),
            code_labels.label(filters.category, "category")
            if filters.category
            else _("All categories"),
        ],
    ]
    if page == "caps":
        rows.append([_("Year"), str(filters.end.year)])
    rows += [
        [_("Amounts in"), _("yuan")],
        [time_header(_("Exported at")), local_time(timezone.now())],
    ]
    return [[str(label), value] for label, value in rows]


def _xlsx(title: str, panels, filters, *, page: str = "", institution=None) -> HttpResponse:
    """One sheet per panel, written by ``staff.exports`` (money as numbers with two places,
    text as text): the title, the filters it shows, a blank row, the columns and the rows."""
    heading = filter_rows(filters, page=page, institution=institution)
    sheets = [
        (
            str(panel.title),
            [
                [f"{title} · {panel.title}"],
                *heading,
                [],
                [str(c) for c in panel.columns],
                *([_cell(c) for c in row] for row in panel.rows),
                *([[_cell(c) for c in panel.totals]] if panel.totals else []),
            ],
        )
        for panel in panels
    ]
    return xlsx_response(f"dashboard-{filters.start:%Y%m}-{filters.end:%Y%m}.xlsx", sheets)


def _cell(value):
    """Numbers stay numbers (money as Decimal); text is shown as the page shows it: a code
    (``shared_debit``) as its label (``staff.codes``, as the pages' ``cell`` filter does)."""
    if value is None or isinstance(value, int | Decimal):
        return value
    return code_labels.label(str(value))


def _month_range(month: date) -> dict:
    last = calendar.monthrange(month.year, month.month)[1]
    return {"start": f"{month:%Y-%m}-01", "end": f"{month:%Y-%m}-{last:02d}"}


def drill_urls(panel, request, page: str, *, institution=None) -> list[str]:
    """The addresses a panel's rows (and their bars) lead to; see ``Panel.drill``."""
    if not panel.drill:
        return []
    kind, keys = panel.drill
    query = request.GET.copy()
    for name in ("export", "page"):
        query.pop(name, None)

    def with_(**values) -> str:
        q: QueryDict = query.copy()
        for name, value in values.items():
            q[name] = value
        return q.urlencode()

    if kind == "institution":
        base = query.urlencode()
        return [
            reverse("dashboards:institution", args=[pk]) + (f"?{base}" if base else "")
            for pk in keys
        ]
    if kind == "region":
        here = reverse(f"dashboards:{page}")
        return [f"{here}?{with_(region=pk)}" for pk in keys]
    if kind == "caps":
        here = reverse(f"dashboards:{page}")
        return [f"{here}?{with_(region=pk, category=category)}" for pk, category in keys]
    if kind == "month":
        search = reverse("claims:settlement_list")
        extra = {"institution": institution.code} if institution is not None else {}
        return [f"{search}?{urlencode({**_month_range(m), **extra})}" for m in keys]
    return []


@role_required(MANAGER)
def dashboard_page(request, page: str = "fund"):
    title, build = PAGES[page]
    form = FilterForm(request.GET or None)
    filters = form.filters()
    claim_changes_fold(wait=False)  # the claims settled since the last fold, too
    kpis, panels = build(filters)
    if request.GET.get("export") == "xlsx" and form.is_valid():
        return _xlsx(str(title), panels, filters, page=page)
    for panel in panels:
        panel.urls = drill_urls(panel, request, page)
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
        return _xlsx(institution.name, [panel], filters, institution=institution)
    panel.urls = drill_urls(panel, request, "institutions", institution=institution)
    found = selectors.institution_claims(institution_id, filters)
    claims = Paginator(found, 50)
    # The list's money columns add up (over every page, not only the one shown).
    totals = found.aggregate(**{k: Sum(k) for k in SETTLEMENT_MONEY}, n=Count("pk"))
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
            "totals": totals,
            "query": request.GET.urlencode(),
            "pages": [(key, label) for key, (label, _build) in PAGES.items()],
            "page": "institutions",
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
