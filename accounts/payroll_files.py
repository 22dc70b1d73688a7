"""The payroll page's files: the template and the error report of a checked file."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from staff.import_files import error_report_response, error_text, template_response

from .payroll import COLUMNS, HEADERS_ZH, PayrollFileError, iter_file
from .payroll_check import PayrollCheck


def payroll_template_response():
    from enrollment.models import Employer

    period = timezone.localdate().strftime("%Y-%m")
    notes = [
        (
            "id_number",
            _("18-digit resident ID number of the insured person (last digit may be X)."),
        ),
        ("name", _("The person's name exactly as registered.")),
        ("employer_code", _("The employer's code as registered (see the sheet 参保单位).")),
        (
            "period",
            _("The month credited, written YYYY-MM such as %(p)s; not a later month.")
            % {"p": period},
        ),
        (
            "contribution_base",
            _("Monthly contribution base in yuan, at most two decimals, not negative."),
        ),
    ]
    employers = [[_("Employer code"), pgettext("organisation", "Name"), _("Region")]] + [
        [code, name, region]
        for code, name, region in Employer.objects.order_by("code").values_list(
            "code", "name", "region__code"
        )[:5000]
    ]
    return template_response(
        "payroll-template.xlsx",
        columns=COLUMNS,
        chinese=HEADERS_ZH,
        notes=notes,
        lists=[(_("Employers"), employers)],
    )


def payroll_error_report_response(*, path: Path, filename: str, check: PayrollCheck):
    by_row: dict[int | None, list[str]] = {}
    for error in check.errors:
        by_row.setdefault(error.get("row"), []).append(error_text(error, HEADERS_ZH))
    rows = []
    if None in by_row:
        rows.append((None, {}, by_row.pop(None)))
    wanted = set(by_row)
    if wanted:
        try:
            for number, raw in iter_file(path, filename):
                if number in wanted:
                    values = {c: "" if raw.get(c) is None else str(raw.get(c)) for c in COLUMNS}
                    rows.append((number, values, by_row[number]))
        except PayrollFileError:
            pass
        found = {r[0] for r in rows}
        rows += [(n, {}, by_row[n]) for n in sorted(wanted - found)]
    stem = Path(filename).stem[:60] or "payroll"
    return error_report_response(
        f"{stem}-errors.xlsx", columns=COLUMNS, chinese=HEADERS_ZH, rows=rows
    )
