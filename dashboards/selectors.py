"""What each dashboard shows, read from the summary tables (never from the raw claims).

Each page is a list of ``Panel``s: a chart (an ECharts option) and the table of the same
figures under it, which is also what the XLSX export writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from claims.models import Disease
from enrollment.models import Institution
from staff import codes as code_labels

from .models import (
    AccountBand,
    AuthorisationCount,
    CapYear,
    CertificationCount,
    ClaimDay,
    DiseaseMonth,
    InstitutionMonth,
    LedgerMonth,
    PersonsServed,
    SummaryRefresh,
)

ZERO = Decimal("0.00")
MONEY = ("total_amount", "pool_paid", "account_paid", "family_account_paid", "cash_paid")
CREDIT_KINDS = ("payroll_credit", "retiree_credit")
DEBIT_KINDS = ("claim_debit", "shared_debit", "premium_debit")


@dataclass(frozen=True)
class Filters:
    """Region (None: all), months ``start``..``end`` (first days), category (None: all)."""

    start: date
    end: date
    region_id: int | None = None
    category: str | None = None

    def months(self) -> list[date]:
        out, m = [], self.start
        while m <= self.end:
            out.append(m)
            m = date(m.year + (m.month == 12), m.month % 12 + 1, 1)
        return out

    @property
    def end_day(self) -> date:
        m = self.months()[-1]
        return date(m.year + (m.month == 12), m.month % 12 + 1, 1)  # exclusive


@dataclass
class Panel:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    chart: dict = field(default_factory=dict)
    note: str = ""
    # Where a click on a row's bar (or the row's first cell) leads: ``(kind, keys)`` with one key
    # per row; the view turns them into addresses (``views.drill_urls``). Kinds: "institution"
    # (an institution id: its dashboard), "region" (a region id: this page for that region),
    # "month" (a month's first day: its settlements in the settlement search), "caps" (a
    # (region id, category) pair: this page for them).
    drill: tuple[str, list] | None = None
    urls: list = field(default_factory=list)  # the drill's addresses, set by the view

    @property
    def linked_rows(self) -> list[tuple[str | None, list]]:
        """Each row with the address its first cell (and its bar) leads to, or None."""
        return [
            (self.urls[i] if i < len(self.urls) else None, row) for i, row in enumerate(self.rows)
        ]

    # Columns whose figures add up over the rows (a totals row shows their sums); counts of
    # distinct persons and shares do not add up and are left out.
    sums: tuple[int, ...] = ()
    # Shares whose total is the share of the totals (the period's 实际报销比, as its card says):
    # ``(column, part column, whole column)``, both of them among ``sums``.
    shares: tuple[tuple[int, int, int], ...] = ()

    @property
    def headers(self) -> list[tuple[str, bool]]:
        """Column titles, each with whether the column holds figures (right-aligned)."""
        first = self.rows[0] if self.rows else []
        return [
            (title, i < len(first) and _figure(first[i])) for i, title in enumerate(self.columns)
        ]

    @property
    def totals(self) -> list | None:
        if not self.sums or not self.rows:
            return None
        out: list = [_("Total")] + [""] * (len(self.columns) - 1)
        for i in self.sums:
            values = [row[i] for row in self.rows if isinstance(row[i], int | Decimal)]
            out[i] = sum(values, ZERO if any(isinstance(v, Decimal) for v in values) else 0)
        for i, part, whole in self.shares:
            out[i] = _share(Decimal(out[part] or 0), Decimal(out[whole] or 0))
        return out

    @property
    def chart_id(self) -> str:
        return f"chart-{self.key}"


def _figure(value) -> bool:
    """A cell shown right-aligned: a number, a share (``46.5%``) or the dash of no figure."""
    if isinstance(value, str):
        return value == "—" or value.endswith("%")
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _share(part: Decimal, whole: Decimal) -> str:
    return f"{(part / whole * 100):.1f}%" if whole else "—"


def _where(qs, filters: Filters, *, month: str | None = "month", day: str | None = None):
    if day:
        qs = qs.filter(**{f"{day}__gte": filters.start, f"{day}__lt": filters.end_day})
    elif month:
        qs = qs.filter(**{f"{month}__gte": filters.start, f"{month}__lte": filters.end})
    if filters.region_id:
        qs = qs.filter(region_id=filters.region_id)
    if filters.category and "category" in {f.name for f in qs.model._meta.fields}:
        qs = qs.filter(category=filters.category)
    return qs


def _figure_sums() -> dict:
    """Sum of every claim figure, for ``annotate``/``aggregate`` over a claim summary."""
    return {"settlements": Sum("settlements"), **{m: Sum(m) for m in MONEY}}


def _added_up(rows: list[dict], keys: tuple[str, ...]) -> dict:
    """Rows of summed figures added up again by ``keys`` (a one-element key stands alone)."""
    out: dict = {}
    for r in rows:
        key = tuple(r[k] for k in keys)
        key = key[0] if len(key) == 1 else key
        into = out.setdefault(
            key, {**{k: r[k] for k in keys}, "settlements": 0, **dict.fromkeys(MONEY, ZERO)}
        )
        into["settlements"] += r["settlements"] or 0
        for m in MONEY:
            into[m] += r[m] or ZERO
    return out


def _axis_labels(labels: list[str]) -> dict:
    """Every category labelled (ECharts would skip labels that collide); when they are many or
    long they are turned 35 degrees and cut at 9 em (the tooltip and the table carry them
    whole), so a 1024-pixel screen shows each one."""
    crowded = len(labels) > 8 or sum(len(x) for x in labels) > 48
    return {"interval": 0, "hideOverlap": False} | (
        {"rotate": 35, "width": 126, "overflow": "truncate"} if crowded else {}
    )


def _bar(labels, series: dict[str, list], *, stack: bool = False, kind: str = "bar") -> dict:
    labels = [str(x) for x in labels]
    axis_labels = _axis_labels(labels)
    # A turned label hangs left of its bar: the first one needs room inside the canvas.
    left = 72 if "rotate" in axis_labels else 16
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": left, "right": 20, "top": 40, "bottom": 16, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "axisLabel": axis_labels},
        "yAxis": {"type": "value"},
        "series": [
            {"name": name, "type": kind, "data": [float(v or 0) for v in values]}
            | ({"stack": "total"} if stack else {})
            for name, values in series.items()
        ],
    }


def _pie(items: dict[str, float]) -> dict:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"top": 0},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [{"name": k, "value": float(v)} for k, v in items.items()],
            }
        ],
    }


def refreshed_at(name: str):
    row = SummaryRefresh.objects.filter(name=name).first()
    return row.refreshed_at if row else None


# --- Fund overview ----------------------------------------------------------------------------


def fund_overview(filters: Filters) -> tuple[dict, list[Panel]]:
    days = _where(ClaimDay.objects.all(), filters, day="day")
    # One pass over the daily rows (month × benefit × level); the month totals, the benefit and
    # level totals and the period's totals are added up from its few hundred rows.
    grouped = list(
        days.annotate(m=TruncMonth("day"))
        .values("m", "benefit", "level")
        .annotate(**_figure_sums())
    )
    by_month = _added_up(grouped, ("m",))
    by_level = sorted(
        _added_up(grouped, ("benefit", "level")).values(), key=lambda r: (r["benefit"], r["level"])
    )
    served = dict(
        _where(PersonsServed.objects.all(), filters)
        .values("month")
        .annotate(n=Sum("persons"))
        .values_list("month", "n")
    )
    months = filters.months()
    rows = []
    for m in months:
        r = by_month.get(m, {})
        total = r.get("total_amount") or ZERO
        rows.append(
            [
                f"{m:%Y-%m}",
                r.get("settlements") or 0,
                served.get(m, 0),
                *[r.get(k) or ZERO for k in MONEY],
                _share(r.get("pool_paid") or ZERO, total),
            ]
        )
    money_titles = [
        _("Total (yuan)"),
        _("Pooled fund (yuan)"),
        _("Personal accounts (yuan)"),
        _("Family accounts (yuan)"),
        _("Cash (yuan)"),
    ]
    monthly = Panel(
        "by_month",
        _("Payments by month"),
        [_("Month"), _("Settlements"), _("Persons served"), *money_titles, _("Pooled share")],
        rows,
        _bar(
            [r[0] for r in rows],
            {money_titles[i]: [r[3 + i] for r in rows] for i in range(1, 5)},
            stack=True,
        ),
        sums=(1, 3, 4, 5, 6, 7),
        shares=((8, 4, 3),),
        drill=("month", months),
    )
    benefits = ["general_outpatient", "chronic", "special"]
    levels = ["1", "2", "3", "pharmacy", ""]
    level_names = {
        "1": _("Level 1"),
        "2": _("Level 2"),
        "3": _("Level 3"),
        "pharmacy": _("Pharmacy"),
        "": _("Ungraded"),
    }
    benefit_names = {
        "general_outpatient": _("General outpatient"),
        "chronic": _("Chronic disease"),
        "special": _("Special disease"),
    }
    grid = {(r["benefit"], r["level"]): r for r in by_level}
    level_rows = [
        [
            benefit_names.get(r["benefit"], r["benefit"]),
            level_names.get(r["level"], r["level"]),
            r["settlements"],
            r["total_amount"],
            r["pool_paid"],
            _share(r["pool_paid"], r["total_amount"]),
        ]
        for r in by_level
    ]
    stacked = Panel(
        "by_benefit_level",
        _("Pooled fund by benefit and institution level"),
        [
            _("Benefit"),
            _("Level"),
            _("Settlements"),
            _("Total (yuan)"),
            _("Pooled fund (yuan)"),
            _("Pooled share"),
        ],
        level_rows,
        _bar(
            [level_names[lv] for lv in levels],
            {
                benefit_names[b]: [(grid.get((b, lv)) or {}).get("pool_paid") for lv in levels]
                for b in benefits
            },
            stack=True,
        ),
        sums=(2, 3, 4),
        shares=((5, 4, 3),),
    )
    totals = _added_up(grouped, ()).get((), dict.fromkeys(("settlements", *MONEY)))
    total = totals["total_amount"] or ZERO
    kpis = {
        "settlements": totals["settlements"] or 0,
        "total_amount": total,
        "pool_paid": totals["pool_paid"] or ZERO,
        "account_paid": totals["account_paid"] or ZERO,
        "family_account_paid": totals["family_account_paid"] or ZERO,
        "cash_paid": totals["cash_paid"] or ZERO,
        "pooled_share": _share(totals["pool_paid"] or ZERO, total),
        "refreshed_at": refreshed_at("persons"),  # 就诊人数 is a snapshot
    }
    return kpis, [monthly, _by_region(grouped_by_region(days)), stacked]


def grouped_by_region(days) -> list[dict]:
    """The period's claim figures per region (a few rows: one sum per region)."""
    return list(days.values("region").annotate(**_figure_sums()).order_by("region"))


def _by_region(grouped: list[dict]) -> Panel:
    """区域分布: each region's pooled fund; a bar leads to the region's own dashboard."""
    from policies.models import Region

    names = dict(Region.objects.values_list("pk", "name"))
    ordered = sorted(grouped, key=lambda r: (-(r["pool_paid"] or ZERO), r["region"]))
    rows = [
        [
            names.get(r["region"], str(r["region"])),
            r["settlements"] or 0,
            r["total_amount"] or ZERO,
            r["pool_paid"] or ZERO,
            _share(r["pool_paid"] or ZERO, r["total_amount"] or ZERO),
        ]
        for r in ordered
    ]
    return Panel(
        "by_region",
        _("Pooled fund by region"),
        [
            _("Region"),
            _("Settlements"),
            _("Total (yuan)"),
            _("Pooled fund (yuan)"),
            _("Pooled share"),
        ],
        rows,
        _bar([r[0] for r in rows], {_("Pooled fund (yuan)"): [r[3] for r in rows]}),
        sums=(1, 2, 3),
        shares=((4, 3, 2),),
        drill=("region", [r["region"] for r in ordered]),
    )


# --- Personal accounts ------------------------------------------------------------------------


def accounts_overview(filters: Filters) -> tuple[dict, list[Panel]]:
    ledger = _where(LedgerMonth.objects.all(), filters)
    kinds = sorted(set(ledger.values_list("kind", flat=True)))
    agg: dict = {}
    for r in ledger.values("month", "kind").annotate(n=Sum("entries"), amount=Sum("amount")):
        agg[(r["month"], r["kind"])] = r
    months = filters.months()
    credit_kinds = [k for k in kinds if k in CREDIT_KINDS]
    credits = Panel(
        "credits",
        _("Credits by month and kind (yuan)"),
        [_("Month"), *[code_labels.label(k, "ledger_kind") for k in credit_kinds]],
        [
            [f"{m:%Y-%m}", *[(agg.get((m, k)) or {}).get("amount") or ZERO for k in credit_kinds]]
            for m in months
        ],
    )
    credits.chart = _bar(
        [r[0] for r in credits.rows],
        {
            code_labels.label(k, "ledger_kind"): [r[1 + i] for r in credits.rows]
            for i, k in enumerate(credit_kinds)
        },
        stack=True,
    )
    credits.sums = tuple(range(1, 1 + len(credit_kinds)))
    debit_rows = []
    for k in kinds:
        if k in DEBIT_KINDS:
            amount = sum((r["amount"] for (m, kk), r in agg.items() if kk == k), ZERO)
            n = sum(r["n"] for (m, kk), r in agg.items() if kk == k)
            debit_rows.append([k, n, -amount])  # the page's and export's cell labels the kind
    debits = Panel(
        "debits",
        _("Debits by kind (yuan)"),
        [_("Kind"), _("Entries"), _("Amount (yuan)")],
        debit_rows,
        _pie({code_labels.label(r[0], "ledger_kind"): r[2] for r in debit_rows}),
        sums=(1, 2),
    )
    bands = AccountBand.objects.all()
    if filters.region_id:
        bands = bands.filter(region_id=filters.region_id)
    stored = {
        r["band"]: r
        for r in bands.values("band").annotate(
            a=Sum("accounts"), b=Sum("balance"), d=Sum("dormant")
        )
    }
    band_rows = []
    for name, members in balance_buckets():
        found = [stored[b] for b in members if b in stored]
        band_rows.append(
            [
                name,
                sum(r["a"] or 0 for r in found),
                sum((r["b"] or ZERO for r in found), ZERO),
                sum(r["d"] or 0 for r in found),
            ]
        )
    histogram = Panel(
        "balances",
        _("Distribution of balances"),
        [
            _("Balance range (yuan)"),
            _("Accounts"),
            _("Balance (yuan)"),
            _("No movement for a year"),
        ],
        band_rows,
        _bar([r[0] for r in band_rows], {_("Accounts"): [r[1] for r in band_rows]}),
        sums=(1, 2, 3),
    )
    kpis = {
        "accounts": sum(r[1] for r in band_rows),
        "balance": sum((r[2] for r in band_rows), ZERO),
        "dormant": sum(r[3] for r in band_rows),
        "refreshed_at": refreshed_at("accounts"),
    }
    return kpis, [credits, debits, histogram]


# The buckets the balance distribution shows, each made of the summary's stored bands
# (``AccountBand.EDGES``, upper bounds inclusive): a reader sees six clear ranges in yuan.
BUCKETS = ((0,), (1, 2), (3,), (4,), (5,), (6, 7))


def balance_buckets() -> list[tuple[str, tuple[int, ...]]]:
    """``[(label, stored bands)]``: 0.00 (and below), 0.01–500.00 … 5,000.01 and above."""
    from staff.numbers import format_money

    edges = AccountBand.EDGES
    out = []
    for members in BUCKETS:
        low, high = members[0], members[-1]
        if high == 0:
            name = _("%(amount)s (no balance)") % {"amount": format_money(ZERO)}
        elif high >= len(edges):
            name = _("%(amount)s and above") % {
                "amount": format_money(Decimal(edges[low - 1]) + Decimal("0.01"))
            }
        else:
            name = f"{format_money(Decimal(edges[low - 1]) + Decimal('0.01'))}–" + format_money(
                Decimal(edges[high])
            )
        out.append((name, members))
    return out


# --- Family sharing ---------------------------------------------------------------------------


def sharing_overview(filters: Filters) -> tuple[dict, list[Panel]]:
    counts = AuthorisationCount.objects.all()
    if filters.region_id:
        counts = counts.filter(region_id=filters.region_id)
    by_relation = [
        [r["relation"], r["n"]]
        for r in counts.values("relation").annotate(n=Sum("active")).order_by("relation")
    ]
    relations = Panel(
        "relations",
        _("Active authorisations by relation"),
        [_("Relation"), _("Authorisations")],
        by_relation,
        _pie({code_labels.label(k, "relation"): n for k, n in by_relation}),
        sums=(1,),
    )
    ledger = _where(LedgerMonth.objects.filter(kind__in=["shared_debit", "premium_debit"]), filters)
    agg = {
        (r["month"], r["kind"]): r
        for r in ledger.values("month", "kind").annotate(n=Sum("entries"), amount=Sum("amount"))
    }
    rows = []
    for m in filters.months():
        shared = agg.get((m, "shared_debit")) or {}
        premium = agg.get((m, "premium_debit")) or {}
        rows.append(
            [
                f"{m:%Y-%m}",
                shared.get("n") or 0,
                -(shared.get("amount") or ZERO),
                premium.get("n") or 0,
                -(premium.get("amount") or ZERO),
            ]
        )
    payments = Panel(
        "payments",
        _("Shared payments and premiums by month"),
        [
            _("Month"),
            pgettext("count", "Shared payments"),
            _("Shared amount (yuan)"),
            _("Premium payments"),
            _("Premium amount (yuan)"),
        ],
        rows,
        _bar(
            [r[0] for r in rows],
            {
                _("Shared amount (yuan)"): [r[2] for r in rows],
                _("Premium amount (yuan)"): [r[4] for r in rows],
            },
        ),
        sums=(1, 2, 3, 4),
    )
    kpis = {
        "active": sum(r[1] for r in by_relation),
        "shared": sum((r[2] for r in rows), ZERO),
        "premiums": sum((r[4] for r in rows), ZERO),
        "refreshed_at": refreshed_at("ledger"),
    }
    return kpis, [relations, payments]


# --- Caps and deductibles ---------------------------------------------------------------------


def caps_overview(filters: Filters) -> tuple[dict, list[Panel]]:
    year = filters.end.year
    qs = CapYear.objects.filter(year=year).select_related("region")
    if filters.region_id:
        qs = qs.filter(region_id=filters.region_id)
    if filters.category:
        qs = qs.filter(category=filters.category)
    caps = list(qs.order_by("region__code", "category"))
    rows = [
        [
            f"{c.region.name} · {code_labels.label(c.category, 'category')}",
            c.persons,
            "—" if c.past_deductible is None else c.past_deductible,
            "—" if c.reached_cap is None else c.reached_cap,
        ]
        for c in caps
    ]
    panel = Panel(
        "caps",
        _("General outpatient %(year)s: deductible and annual cap") % {"year": year},
        [
            _("Region · category"),
            _("Persons with spending"),
            _("Past the deductible"),
            _("Reached the cap"),
        ],
        rows,
        _bar(
            [r[0] for r in rows],
            {
                _("Persons with spending"): [r[1] for r in rows],
                _("Past the deductible"): [r[2] if r[2] != "—" else 0 for r in rows],
                _("Reached the cap"): [r[3] if r[3] != "—" else 0 for r in rows],
            },
        ),
        note=_(
            "— : the region's policy has no such threshold"
            " (per-visit deductible, unlimited or unset cap)."
        ),
        drill=("caps", [(c.region_id, c.category) for c in caps]),
    )
    kpis = {"year": year, "refreshed_at": refreshed_at("caps")}
    return kpis, [panel]


# --- Chronic and special diseases -------------------------------------------------------------


def chronic_overview(filters: Filters) -> tuple[dict, list[Panel]]:
    certs = CertificationCount.objects.all()
    if filters.region_id:
        certs = certs.filter(region_id=filters.region_id)
    statuses = ["applied", "approved", "rejected", "revoked"]
    counts: dict = {}
    names = {}
    for r in certs.values("disease_code", "disease_name", "status").annotate(
        n=Sum("certifications")
    ):
        counts[(r["disease_code"], r["status"])] = r["n"]
        names[r["disease_code"]] = r["disease_name"]
    codes = sorted(names)
    cert_rows = [[f"{c} {names[c]}", *[counts.get((c, s), 0) for s in statuses]] for c in codes]
    certifications = Panel(
        "certifications",
        _("Certifications by disease and status"),
        [_("Disease"), *[code_labels.label(s, "status") for s in statuses]],
        cert_rows,
        _bar(
            [r[0] for r in cert_rows],
            {
                code_labels.label(s, "status"): [r[1 + i] for r in cert_rows]
                for i, s in enumerate(statuses)
            },
            stack=True,
        ),
        sums=(1, 2, 3, 4),
    )
    # Each disease with its name, as the certifications' table shows it (never a bare E11).
    names = dict(Disease.objects.values_list("code", "name")) | names
    spending = [
        [
            f"{r['disease_code']} {names[r['disease_code']]}"
            if names.get(r["disease_code"])
            else r["disease_code"],
            r["benefit"],  # a code: the page's and export's cell show its label
            r["settlements"],
            r["total_amount"],
            r["pool_paid"],
        ]
        for r in _where(DiseaseMonth.objects.all(), filters)
        .values("disease_code", "benefit")
        .annotate(
            settlements=Sum("settlements"),
            total_amount=Sum("total_amount"),
            pool_paid=Sum("pool_paid"),
        )
        .order_by("-pool_paid")
    ]
    pooled = Panel(
        "spending",
        _("Pooled spending per disease"),
        [_("Disease"), _("Benefit"), _("Settlements"), _("Total (yuan)"), _("Pooled fund (yuan)")],
        spending,
        _bar([r[0] for r in spending], {_("Pooled fund (yuan)"): [r[4] for r in spending]}),
        sums=(2, 3, 4),
    )
    return {"refreshed_at": refreshed_at("counts")}, [certifications, pooled]


# --- Institutions -----------------------------------------------------------------------------


def institutions_overview(filters: Filters) -> tuple[dict, list[Panel]]:
    # The twenty by one sum first, then their other figures and names: summing every figure of
    # every institution-month (and joining the names before grouping) cost most of the page.
    months = _where(InstitutionMonth.objects.all(), filters)
    ranked = list(
        months.values("institution")
        .annotate(pool_paid=Sum("pool_paid"))
        .order_by("-pool_paid", "institution")
        .values_list("institution", flat=True)[:20]
    )
    figures = {
        r["institution"]: r
        for r in months.filter(institution__in=ranked)
        .values("institution")
        .annotate(
            settlements=Sum("settlements"),
            total_amount=Sum("total_amount"),
            pool_paid=Sum("pool_paid"),
        )
    }
    names = dict(Institution.objects.filter(pk__in=ranked).values_list("pk", "name"))
    top = [{**figures[pk], "institution__name": names[pk]} for pk in ranked]
    rows = [
        [
            r["institution__name"],
            r["settlements"],
            r["total_amount"],
            r["pool_paid"],
            (r["total_amount"] / r["settlements"]).quantize(Decimal("0.01"))
            if r["settlements"]
            else ZERO,
        ]
        for r in top
    ]
    panel = Panel(
        "top",
        _("Top 20 institutions by pooled fund paid"),
        [
            _("Institution"),
            _("Settlements"),
            _("Total (yuan)"),
            _("Pooled fund (yuan)"),
            _("Average per visit (yuan)"),
        ],
        rows,
        _bar([r[0] for r in rows], {_("Pooled fund (yuan)"): [r[3] for r in rows]}),
    )
    panel.drill = ("institution", [r["institution"] for r in top])
    return {}, [panel]


def institution_months(institution_id: int, filters: Filters) -> Panel:
    figures = list(
        _where(InstitutionMonth.objects.filter(institution_id=institution_id), filters)
        .values("month")
        .annotate(
            settlements=Sum("settlements"),
            total_amount=Sum("total_amount"),
            pool_paid=Sum("pool_paid"),
        )
        .order_by("month")
    )
    rows = [
        [f"{r['month']:%Y-%m}", r["settlements"], r["total_amount"], r["pool_paid"]]
        for r in figures
    ]
    return Panel(
        "months",
        _("By month"),
        [_("Month"), _("Settlements"), _("Total (yuan)"), _("Pooled fund (yuan)")],
        rows,
        _bar([r[0] for r in rows], {_("Pooled fund (yuan)"): [r[3] for r in rows]}),
        sums=(1, 2, 3),
        drill=("month", [r["month"] for r in figures]),
    )


def institution_claims(institution_id: int, filters: Filters):
    """The institution's settlements in the period (the drill-down's list, raw and paginated)."""
    from claims.models import Settlement

    qs = Settlement.objects.filter(
        institution_id=institution_id,
        visit_date__gte=filters.start,
        visit_date__lt=filters.end_day,
        status="settled",
    ).select_related("person")
    if filters.region_id:
        qs = qs.filter(policy_version__region_id=filters.region_id)
    if filters.category:
        qs = qs.filter(patient_category=filters.category)
    return qs.order_by("-visit_date", "-id")
