"""A finished replay's result (``Job.result``, see the replay contract) as the reader sees it:
headline figures, comparison tables with totals, the person distribution, refusals, crediting,
the exact check and the draft's differences — built once here for the result page, the printed
evaluation report and the XLSX export, so the three always say the same thing.

The result is read defensively: a missing key is an empty table, never a 500 (an older or a
partial result still shows what it has). Money stays ``Decimal`` from the result's decimal
strings to the page, the spreadsheet and the charts (which get decimal strings, not floats).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from staff import codes
from staff.exports import time_header, xlsx_response
from staff.numbers import format_money, money_in_text, to_money

ZERO = Decimal("0.00")
# The four payers of a settlement, in the order a slip lists them.
PAYERS = ("pool_paid", "account_paid", "family_account_paid", "cash_paid")
FIGURES = ("total_amount", *PAYERS)
# The breakdowns of the contract, each with the codes group that labels its keys.
BREAKDOWNS = (
    ("month", None),
    ("benefit", "benefit"),
    ("level", "level"),
    ("rate_class", "category"),
    ("age_band", "age_band"),
)


def payer_label(key: str) -> str:
    return codes.label(key, "field")


def breakdown_title(key: str) -> str:
    return {
        "month": _("By month"),
        "benefit": _("By benefit"),
        "level": _("By institution level"),
        "rate_class": _("By rate class"),
        "age_band": _("By age band"),
    }.get(key, key)


def dec(value: Any) -> Decimal:
    """A result's decimal string as money; a missing or unreadable value counts as zero."""
    try:
        amount = to_money(value)
    except TypeError:  # a float in the result: refused upstream's way, shown as nothing
        amount = None
    return amount if amount is not None else ZERO


def count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def percent(difference: Decimal, base: Decimal) -> str:
    """``+8.3%``: the change relative to the actual figure; ``—`` when there is nothing to
    compare with."""
    if not base:
        return "—"
    share = (difference / base * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{'+' if share > 0 else ''}{share}%"


def signed(amount: Decimal) -> str:
    """A difference with its sign: ``+1,234.50``, ``-20.00``, ``0.00``."""
    return ("+" if amount > 0 else "") + format_money(amount)


def key_label(key: Any, group: str | None) -> str:
    if key in (None, "", "none", "null"):
        return _("Not graded")
    return codes.label(key, group) if group else str(key)


@dataclass
class Card:
    key: str
    label: str
    actual: Decimal
    draft: Decimal

    @property
    def difference(self) -> Decimal:
        return self.draft - self.actual

    @property
    def signed_difference(self) -> str:
        return signed(self.difference)

    @property
    def percent(self) -> str:
        return percent(self.difference, self.actual)

    @property
    def direction(self) -> str:
        return "up" if self.difference > 0 else "down" if self.difference < 0 else "same"


@dataclass
class Table:
    """A comparison table: rows of cells (Decimal money, int counts, text) and their totals."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    totals: list | None = None
    numeric: tuple[int, ...] = ()
    signed_columns: tuple[int, ...] = ()  # differences: shown with their sign

    @property
    def headers(self) -> list[tuple[str, bool]]:
        return [(c, i in self.numeric) for i, c in enumerate(self.columns)]

    def _shown(self, row: list) -> list[tuple[str, bool]]:
        out = []
        for i, value in enumerate(row):
            if isinstance(value, Decimal):
                text = signed(value) if i in self.signed_columns else format_money(value)
            elif isinstance(value, int) and not isinstance(value, bool):
                text = f"{value:,}"
            else:
                text = "" if value is None else str(value)
            out.append((text, i in self.numeric))
        return out

    @property
    def shown_rows(self) -> list[list[tuple[str, bool]]]:
        return [self._shown(row) for row in self.rows]

    @property
    def shown_totals(self) -> list[tuple[str, bool]] | None:
        return self._shown(self.totals) if self.totals else None


def _sum(rows: list[list], columns: tuple[int, ...], width: int) -> list:
    out: list = [_("Total")] + [""] * (width - 1)
    for i in columns:
        values = [row[i] for row in rows]
        if values and all(isinstance(v, int) and not isinstance(v, Decimal) for v in values):
            out[i] = sum(values)
        elif values:
            out[i] = sum((v for v in values if isinstance(v, Decimal | int)), ZERO)
    return out


def _side(data: Any) -> dict:
    return data if isinstance(data, dict) else {}


def _list(data: Any) -> list:
    return [x for x in data if isinstance(x, dict)] if isinstance(data, list) else []


def _percent_column(rows: list[list], totals: list | None, actual: int, diff: int) -> None:
    for row in rows:
        row.insert(diff + 1, percent(row[diff], row[actual]))
    if totals:
        totals.insert(diff + 1, percent(totals[diff], totals[actual]))


@dataclass
class Comparison:
    """Everything the result page, the report and the export show of one replay."""

    result: dict
    cards: list[Card] = field(default_factory=list)
    total: Card | None = None
    tables: list[Table] = field(default_factory=list)
    full_tables: list[Table] = field(default_factory=list)
    delta: Table | None = None
    refused: Table | None = None
    crediting: Table | None = None
    crediting_refused: Table | None = None
    differences: Table | None = None
    charts: dict = field(default_factory=dict)

    # --- facts ---------------------------------------------------------------------------
    @property
    def region(self) -> str:
        r = self.result
        return " ".join(str(x) for x in (r.get("region_name"), r.get("region")) if x)

    @property
    def draft_id(self) -> Any:
        """The draft's number: ``draft_id`` (the totals took the contract's ``draft`` key)."""
        r = self.result
        return r.get("draft_id") or (r.get("draft") if isinstance(r.get("draft"), int) else None)

    @property
    def draft_title(self) -> str:
        title = str(self.result.get("draft_title") or "")
        return f"#{self.draft_id} {title}".strip() if self.draft_id else title

    @property
    def period(self) -> str:
        r = self.result
        return f"{r.get('start', '…')} — {r.get('end', '…')}"

    @property
    def actual(self) -> dict:
        return _side(self.result.get("actual"))

    @property
    def draft(self) -> dict:
        return _side(self.result.get("draft"))

    @property
    def settlements(self) -> int:
        return count(self.actual.get("settlements"))

    @property
    def draft_settlements(self) -> int:
        return count(self.draft.get("settlements"))

    @property
    def refused_count(self) -> int:
        return count(self.draft.get("refused"))

    @property
    def persons_better(self) -> int:
        return count(self.result.get("persons_better"))

    @property
    def persons_worse(self) -> int:
        return count(self.result.get("persons_worse"))

    @property
    def newly_at_cap(self) -> int:
        return count(self.result.get("newly_at_cap"))

    @property
    def total_better(self) -> Decimal:
        # The amount, whichever sign the engine gives it ("better" says the direction).
        return abs(dec(_side(self.result.get("person_delta")).get("total_better")))

    @property
    def total_worse(self) -> Decimal:
        return abs(dec(_side(self.result.get("person_delta")).get("total_worse")))

    @property
    def has_crediting(self) -> bool:
        return isinstance(self.result.get("crediting"), dict)

    @property
    def crediting_totals(self) -> tuple[Decimal, Decimal, Decimal]:
        c = _side(self.result.get("crediting"))
        actual, draft = dec(c.get("actual_total")), dec(c.get("draft_total"))
        return actual, draft, draft - actual

    @property
    def exact(self) -> dict:
        check = _side(self.result.get("exact_check"))
        sample, matched = count(check.get("sample")), count(check.get("matched"))
        mismatches = check.get("mismatches") if isinstance(check.get("mismatches"), list) else []
        return {
            "present": bool(check),
            "sample": sample,
            "matched": matched,
            "ok": bool(check) and sample == matched and not mismatches,
            "mismatches": [_mismatch_text(m) for m in mismatches[:20]],
            "more": max(0, len(mismatches) - 20),
        }


def _mismatch_text(item: Any) -> str:
    if isinstance(item, dict):
        parts = []
        for key, value in item.items():
            parts.append(f"{codes.label(key, 'field')} {money_in_text(value)}")
        return "；".join(parts)
    return str(item)


def _range_label(lower: Any, upper: Any) -> str:
    low = format_money(lower) if lower not in (None, "") else None
    high = format_money(upper) if upper not in (None, "") else None
    if low is None and high is not None:
        return _("below %(upper)s") % {"upper": high}
    if high is None and low is not None:
        return _("%(lower)s and more") % {"lower": low}
    if low == high:  # the bucket of no change
        return str(low)
    return f"{low} ～ {high}"


def comparison(result: Any) -> Comparison:
    result = result if isinstance(result, dict) else {}
    c = Comparison(result=result)
    actual, draft = c.actual, c.draft
    c.cards = [Card(k, payer_label(k), dec(actual.get(k)), dec(draft.get(k))) for k in PAYERS]
    # The claims' total stays what it was (the same claims): a figure beside the cards.
    c.total = Card(
        "total_amount",
        _("Total amount"),
        dec(actual.get("total_amount")),
        dec(draft.get("total_amount")),
    )
    breakdowns = _side(result.get("breakdowns"))
    for key, group in BREAKDOWNS:
        rows = _list(breakdowns.get(key))
        c.tables.append(_page_table(key, group, rows))
        c.full_tables.append(_full_table(key, group, rows))
    c.delta = _delta_table(result)
    c.refused = _refused_table(result)
    c.crediting, c.crediting_refused = _crediting_tables(result)
    c.differences = _differences_table(result)
    c.charts = _charts(c, _list(breakdowns.get("month")))
    return c


def _page_table(key: str, group: str | None, items: list[dict]) -> Table:
    """Group · settlements · pooled fund actual, draft, difference, % · the other payers'
    differences (the full figures are in the export)."""
    columns = [
        _group_heading(key),
        _("Settlements"),
        _("Pooled fund, actual"),
        _("Pooled fund, under the draft"),
        _("Pooled fund, difference"),
        _("Rate of change"),
        _("Personal account, difference"),
        _("Family account, difference"),
        _("Cash, difference"),
    ]
    rows = []
    for item in items:
        a, d = _side(item.get("actual")), _side(item.get("draft"))
        pool_a, pool_d = dec(a.get("pool_paid")), dec(d.get("pool_paid"))
        rows.append(
            [
                key_label(item.get("key"), group),
                count(a.get("settlements")),
                pool_a,
                pool_d,
                pool_d - pool_a,
                *(dec(d.get(p)) - dec(a.get(p)) for p in PAYERS[1:]),
            ]
        )
    totals = _sum(rows, (1, 2, 3, 4, 5, 6, 7), 8) if rows else None
    _percent_column(rows, totals, 2, 4)
    return Table(
        key=key,
        title=breakdown_title(key),
        columns=columns,
        rows=rows,
        totals=totals,
        numeric=(1, 2, 3, 4, 5, 6, 7, 8),
        signed_columns=(4, 6, 7, 8),
    )


def _group_heading(key: str) -> str:
    return {
        "month": _("Month"),
        "benefit": _("Benefit"),
        "level": _("Institution level"),
        "rate_class": _("Rate class of the person"),
        "age_band": _("Age band of the person"),
    }.get(key, key)


def _full_table(key: str, group: str | None, items: list[dict]) -> Table:
    """Every figure, actual · draft · difference (the export's sheets)."""
    columns = [_group_heading(key), _("Settlements, actual"), _("Settlements under the draft")]
    for figure in FIGURES:
        name = _("Total amount") if figure == "total_amount" else payer_label(figure)
        columns += [
            _("%(figure)s, actual") % {"figure": name},
            _("%(figure)s, under the draft") % {"figure": name},
            _("%(figure)s, difference") % {"figure": name},
        ]
    rows = []
    for item in items:
        a, d = _side(item.get("actual")), _side(item.get("draft"))
        row: list = [
            key_label(item.get("key"), group),
            count(a.get("settlements")),
            count(d.get("settlements")),
        ]
        for figure in FIGURES:
            row += [dec(a.get(figure)), dec(d.get(figure)), dec(d.get(figure)) - dec(a.get(figure))]
        rows.append(row)
    width = len(columns)
    return Table(
        key=key,
        title=breakdown_title(key),
        columns=columns,
        rows=rows,
        totals=_sum(rows, tuple(range(1, width)), width) if rows else None,
        numeric=tuple(range(1, width)),
    )


def _delta_table(result: dict) -> Table:
    buckets = _list(_side(result.get("person_delta")).get("buckets"))
    rows = []
    for b in buckets:
        lower, upper = b.get("lower"), b.get("upper")
        # Draft minus actual: a bucket wholly at or below zero pays less under the draft; the
        # bucket of no change (0 to 0) is neither.
        if lower not in (None, "") and upper not in (None, "") and dec(lower) == dec(upper):
            side = _("Unchanged")
        elif upper not in (None, "") and dec(upper) <= 0:
            side = _("better off")
        elif lower not in (None, "") and dec(lower) >= 0:
            side = _("worse off")
        else:
            side = _("about the same")
        rows.append([_range_label(lower, upper), side, count(b.get("persons"))])
    return Table(
        key="person_delta",
        title=_("Persons by the change of their own burden"),
        columns=[_("Change of own burden (yuan)"), _("Better or worse off"), _("Persons")],
        rows=rows,
        totals=_sum(rows, (2,), 3) if rows else None,
        numeric=(2,),
    )


def _refused_table(result: dict) -> Table:
    rows = []
    for r in _list(result.get("refused")):
        parameter = r.get("parameter") or ""
        rows.append(
            [
                codes.label(parameter) if parameter else "—",
                r.get("article") or "—",
                codes.humanize(r.get("message") or ""),
                count(r.get("claims")),
            ]
        )
    return Table(
        key="refused",
        title=_("Claims the draft would refuse"),
        columns=[_("Parameter"), _("Article"), _("Reason"), _("Claims")],
        rows=rows,
        totals=_sum(rows, (3,), 4) if rows else None,
        numeric=(3,),
    )


def _crediting_tables(result: dict) -> tuple[Table | None, Table | None]:
    data = result.get("crediting")
    if not isinstance(data, dict):
        return None, None
    rows = []
    for m in _list(data.get("months")):
        a, d = dec(m.get("actual")), dec(m.get("draft"))
        rows.append([str(m.get("key", "")), count(m.get("accounts")), a, d, d - a])
    months = Table(
        key="crediting",
        title=_("Monthly account crediting"),
        columns=[
            _("Month"),
            _("Accounts"),
            _("Credited, actual"),
            _("Credited under the draft"),
            _("Difference (draft minus actual)"),
        ],
        rows=rows,
        totals=_sum(rows, (2, 3, 4), 5) if rows else None,
        numeric=(1, 2, 3, 4),
        signed_columns=(4,),
    )
    refused_rows = [
        [
            codes.label(r.get("parameter") or "") or "—",
            codes.humanize(r.get("message") or ""),
            count(r.get("accounts")),
        ]
        for r in _list(data.get("refused"))
    ]
    refused = Table(
        key="crediting_refused",
        title=_("Crediting the draft would refuse"),
        columns=[_("Parameter"), _("Reason"), _("Accounts")],
        rows=refused_rows,
        numeric=(2,),
    )
    return months, refused


def _value(path: str, value: Any) -> str:
    from policies.labels import format_value

    return money_in_text(format_value(path, value))


def _differences_table(result: dict) -> Table:
    rows = []
    for d in _list(result.get("differences")):
        path = str(d.get("path") or "")
        # The parameter's label in the reader's language; the label stored with the result
        # (written in the language of whoever started the replay) only for a path unknown now.
        shown = codes.label(path)
        if shown == path:
            shown = d.get("label") or path
        in_force, drafted = _value(path, d.get("in_force")), _value(path, d.get("draft"))
        rows.append([d.get("article") or "—", shown, in_force, drafted])
    return Table(
        key="differences",
        title=_("The draft's differences from the version in force, article by article"),
        columns=[_("Article"), _("Parameter"), _("In force"), _("Under the draft")],
        rows=rows,
        # The values right-aligned as on the policy page and the publish preview (700.00 元
        # stood at the left of its column).
        numeric=(2, 3),
    )


def _charts(c: Comparison, months: list[dict]) -> dict:
    """ECharts options (drawn by ``static/js/dashboards.js``); values as decimal strings."""
    labels = [str(m.get("key", "")) for m in months]
    monthly = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 70, "right": 20, "top": 40, "bottom": 40},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": {"type": "value"},
        "series": [
            {
                "name": _("Pooled fund, actual"),
                "type": "bar",
                "data": [str(dec(_side(m.get("actual")).get("pool_paid"))) for m in months],
            },
            {
                "name": _("Pooled fund, under the draft"),
                "type": "bar",
                "data": [str(dec(_side(m.get("draft")).get("pool_paid"))) for m in months],
            },
        ],
    }
    better, worse, same = "#2f8f46", "#c53030", "#8a94a3"
    delta_rows = c.delta.rows if c.delta else []
    effect_color = {_("better off"): better, _("worse off"): worse}
    delta = {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 60, "right": 20, "top": 30, "bottom": 60},
        "xAxis": {
            "type": "category",
            "data": [row[0] for row in delta_rows],
            "axisLabel": {"interval": 0, "rotate": 30},
        },
        "yAxis": {"type": "value", "name": _("Persons")},
        "series": [
            {
                "name": _("Persons"),
                "type": "bar",
                "data": [
                    {"value": row[2], "itemStyle": {"color": effect_color.get(row[1], same)}}
                    for row in delta_rows
                ],
            }
        ],
    }
    return {"monthly": monthly, "delta": delta}


# --- XLSX ----------------------------------------------------------------------------------


def _heading_rows(job, c: Comparison, title: str) -> list[list]:
    return [
        [title],
        [_("Region"), c.region],
        [_("Draft evaluated"), c.draft_title],
        [_("Period"), c.period],
        [_("Replay job"), f"#{job.pk}"],
        [time_header(_("Exported at")), timezone.now()],
        [],
    ]


def _sheet(table: Table | None) -> list[list]:
    if table is None:
        return []
    rows = [[table.title], list(table.columns), *table.rows]
    if table.totals:
        rows.append(table.totals)
    return rows


def xlsx(job, c: Comparison) -> Any:
    """The comparison as a workbook: a summary sheet, one sheet per breakdown (every figure),
    the persons' distribution, refusals, crediting and the draft's differences."""
    title = _("Policy replay: evaluation of a draft")
    summary = [
        *_heading_rows(job, c, title),
        [
            _("Figure compared"),
            _("Actual (as settled)"),
            _("Under the draft"),
            _("Difference (draft minus actual)"),
            _("Rate of change"),
        ],
        *(
            [card.label, card.actual, card.draft, card.difference, card.percent]
            for card in [*c.cards, c.total]
        ),
        [],
        [_("Settlements, actual"), c.settlements],
        [_("Settlements under the draft"), c.draft_settlements],
        [_("Claims the draft would refuse"), c.refused_count],
        [_("Persons better off"), c.persons_better, c.total_better],
        [_("Persons worse off"), c.persons_worse, c.total_worse],
        [_("Persons newly reaching an annual cap"), c.newly_at_cap],
    ]
    exact = c.exact
    if exact["present"]:
        check = _("Exact check (replay under the version in force)")
        summary.append([check, exact["sample"], exact["matched"]])
    sheets = [(_("Summary"), summary)]
    for table in c.full_tables:
        sheets.append((table.title, [*_heading_rows(job, c, title), *_sheet(table)]))
    for table in (c.delta, c.refused, c.crediting, c.crediting_refused, c.differences):
        if table is not None:
            sheets.append((table.title, [*_heading_rows(job, c, title), *_sheet(table)]))
    start = str(c.result.get("start", "")).replace("-", "")
    end = str(c.result.get("end", "")).replace("-", "")
    return xlsx_response(f"replay-{job.pk}-{start}-{end}.xlsx", sheets)
