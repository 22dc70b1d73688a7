"""The catalogue import page's files: the template (Chinese headers, the allowed values, the
charge types and regions) and the error report of a failed import job (its rows with errors as
they were in the file, each error in Chinese), made by the shared ``staff.import_files``."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

from staff.import_files import choices_text, error_report_response, error_text, template_response

from .imports import COLUMNS, HEADERS_ZH, OPTIONAL, CatalogueFileError, iter_file
from .models import CHARGE_TYPES, Kind, Level

ALL_COLUMNS = [*COLUMNS, *OPTIONAL]


def _notes() -> list[tuple[str, str]]:
    date_text = _("a date written YYYY-MM-DD")
    names_too = _("; the Chinese name is accepted too")
    return [
        ("code", _("National catalogue code: 1–50 letters, digits, '.', '_' or '-'; the key.")),
        ("name", _("Name, at most 200 characters.")),
        ("kind", choices_text(Kind.choices) + names_too),
        ("chrgitm_lv", choices_text(Level.choices) + _("; 甲, 乙 or 丙 is accepted too")),
        (
            "med_chrgitm_type",
            choices_text(CHARGE_TYPES.items()) + names_too + _(" (see the sheet 收费项目类别)"),
        ),
        ("price_ceiling", _("Unit price ceiling in yuan, at most six decimals; empty: none.")),
        (
            "selfpay_prop",
            _(
                "Self-pay proportion from 0 to 1, at most four decimals (0.10 is 10 %); empty:"
                " the region's first self-pay rate for 乙类, 0 for 甲类."
            ),
        ),
        ("valid_from", date_text + _("; may be empty.")),
        ("valid_to", date_text + _("; may be empty; not before the start.")),
        (
            "region",
            _(
                "Optional column: a region's 6-digit code (see the sheet 统筹区) makes the row that"
                " region's override of the national item with the same code; empty: national."
            ),
        ),
    ]


def catalogue_template_response():
    from policies.models import Region

    charge_types = [[_("Code"), _("Charge item type")]] + [
        [code, name] for code, name in CHARGE_TYPES.items()
    ]
    regions = [[_("Region code"), _("Region name")]] + [
        [code, name] for code, name in Region.objects.order_by("code").values_list("code", "name")
    ]
    return template_response(
        "catalogue-template.xlsx",
        columns=ALL_COLUMNS,
        chinese=HEADERS_ZH,
        notes=_notes(),
        lists=[(_("Charge item types"), charge_types), (_("Regions"), regions)],
    )


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def catalogue_error_report_response(job):
    """A failed import job's errors beside its rows as they were in the file (read again; a
    file-wide error, or a file gone since, gives the errors without the values)."""
    by_row: dict[int | None, list[str]] = {}
    for error in job.errors or []:
        by_row.setdefault(error.get("row"), []).append(error_text(error, HEADERS_ZH))
    rows: list[tuple[int | None, dict, list[str]]] = []
    if None in by_row:
        rows.append((None, {}, by_row.pop(None)))
    wanted = set(by_row)
    path = Path(str(job.parameters.get("path", "")))
    filename = str(job.parameters.get("filename") or path.name)
    if wanted and path.is_file():
        last = max(wanted)
        reader = iter_file(path, filename)
        try:
            for number, raw in reader:
                if number in wanted:
                    values = {c: _cell(raw.get(c)) for c in ALL_COLUMNS}
                    rows.append((number, values, by_row[number]))
                if number >= last:
                    break
        except CatalogueFileError:
            pass
        finally:
            reader.close()  # the workbook or the file, closed now
    found = {r[0] for r in rows}
    rows += [(n, {}, by_row[n]) for n in sorted(wanted - found)]
    stem = Path(filename).stem[:60] or "catalogue"
    return error_report_response(
        f"{stem}-errors.xlsx", columns=ALL_COLUMNS, chinese=HEADERS_ZH, rows=rows
    )
