"""The one way every export writes a spreadsheet or a CSV file (statements, dashboards, the
audit trail, the admin's import-export resources).

Cells are typed, and the type decides how a cell is written:

- ``str`` is user text (a name, a memo, an institution's name inside a memo) and is written as
  text, never as a formula: in XLSX a string cell (``data_type 's'``) whatever it starts with;
  in CSV a value starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their
  full-width forms) gets a leading single quote, as OWASP's "CSV injection" page recommends.
- ``Decimal`` is money: a number rounded half-up to two places, shown ``#,##0.00`` (never a
  float, never a string such as ``11705.28000000``).
- ``int`` is a count; ``datetime`` is converted to the bureau's time zone (``TIME_ZONE``,
  Asia/Shanghai, as the pages show it) and its column's header says so (``time_header``);
  ``date`` is a date; ``None`` an empty cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY_FORMAT = "#,##0.00"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
DATE_FORMAT = "yyyy-mm-dd"
CENT = Decimal("0.01")
# What a spreadsheet reads as the start of a formula (OWASP, CSV injection), and the full-width
# forms an IME types, which some spreadsheet programs fold to them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def bureau_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_time(value: dt.datetime) -> dt.datetime:
    """The moment on the bureau's clock, without a zone (spreadsheets keep none)."""
    if value.tzinfo is not None:
        value = value.astimezone(bureau_zone())
    return value.replace(tzinfo=None, microsecond=0)


def zone_label() -> str:
    if settings.TIME_ZONE in ("Asia/Shanghai", "Asia/Chongqing", "PRC"):
        return _("Beijing time")
    return settings.TIME_ZONE


def time_header(label) -> str:
    """A time column's header naming the zone, e.g. 记账时间（北京时间）."""
    return _("%(label)s (%(zone)s)") % {"label": label, "zone": zone_label()}


def csv_text(value: str) -> str:
    """User text made inert for a CSV file: a leading quote before a formula's first sign."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return f"{money(value):.2f}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return local_time(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    return csv_text(str(value))


def _illegal_free(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters XML cannot hold would make openpyxl refuse the whole file.
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)


def xlsx_cell(sheet, value):
    """A write-only cell for ``value`` as the module docstring says."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=money(value))
        cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, int):
        return WriteOnlyCell(sheet, value=value)
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=local_time(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, value=_illegal_free(str(value)))
    cell.data_type = "s"  # text, even when it starts with "=": never a formula
    return cell


def sheet_title(title) -> str:
    """At most 31 characters, none of : \\ / ? * [ ]."""
    text = "".join(" " if ch in ":\\/?*[]：" else ch for ch in str(title))
    return text[:31] or "Sheet"


def xlsx_bytes(sheets: Iterable[tuple[str, Iterable[Sequence]]]) -> bytes:
    """A workbook of ``(title, rows)`` sheets, each row a sequence of typed cells."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = book.create_sheet(sheet_title(title))
        for row in rows:
            sheet.append([xlsx_cell(sheet, value) for value in row])
    if not book.worksheets:
        book.create_sheet("Sheet")
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    """The download's name, quoted by Django: a name taken from an upload (``目录".csv`` →
    its error report) broke out of ``filename="…"``; a non-ASCII one goes as ``filename*``."""
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_response(filename: str, sheets: Iterable[tuple[str, Iterable[Sequence]]]) -> HttpResponse:
    return _attachment(HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE), filename)


def csv_response(filename: str, rows: Iterable[Sequence]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
    return _attachment(response, filename)


class FormulaSafeResourceMixin:
    """For django-import-export resources: exported text cannot become a formula (the
    library's own ``IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT`` only drops a leading ``=``).
    Text gets the CSV quote in every format: tablib writes XLSX cells by value, so a
    string starting with ``=`` would otherwise be a formula there too."""

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        return csv_text(value) if isinstance(value, str) else value


_HEADER = re.compile(r"^.*[（(]\s*([A-Za-z_][A-Za-z0-9_]*)\s*[)）]\s*$")


def header_code(header) -> str:
    """A file's column header as its code: ``身份证号码（id_number）`` → ``id_number``; a bare
    code stays as it is (files made before the labelled headers still import)."""
    text = str(header or "").strip()
    match = _HEADER.match(text)
    return match.group(1) if match else text


def labelled_header(column: str) -> str:
    """``id_number`` → ``身份证号码（id_number）``: the label for the reader, the code in brackets
    for the file's way back in (an export is also an import template)."""
    from . import codes

    shown = codes.label(column, "field")
    return column if shown == column else f"{shown}（{column}）"


def _choice_labels(model_field) -> dict[str, str]:
    """Every language's label of each choice → its code (a file may be made in either)."""
    from django.utils import translation

    out: dict[str, str] = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for code, shown in model_field.flatchoices:
                out[str(shown)] = code
    return out


class LabelledResourceMixin:
    """For django-import-export resources: an export reads as the pages do (issue 19) — a
    choice is written as its label (``退休人员``, not ``retiree``) and a header as
    ``label（code）``; an import takes back the labels and the labelled headers as well as the
    bare codes, so an exported file is still a valid import file."""

    def _model_field(self, attribute):
        try:
            return self._meta.model._meta.get_field(attribute) if attribute else None
        except Exception:  # noqa: BLE001 - a computed column has no model field
            return None

    def get_export_headers(self, selected_fields=None):
        return [labelled_header(h) for h in super().get_export_headers(selected_fields)]

    def export_field(self, field, instance, **kwargs):
        value = super().export_field(field, instance, **kwargs)
        model_field = self._model_field(field.attribute)
        if model_field is not None and model_field.choices:
            raw = getattr(instance, field.attribute, None)
            if raw not in (None, ""):
                return str(dict(model_field.flatchoices).get(raw, value))
        return value

    def before_import(self, dataset, **kwargs):
        if dataset.headers:
            dataset.headers = [header_code(h) for h in dataset.headers]
        return super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        known = self.__dict__.setdefault("_labels_of", {})  # per import: computed once
        for field in self.fields.values():
            model_field = self._model_field(field.attribute)
            column = field.column_name
            if model_field is None or not model_field.choices or column not in row:
                continue
            value = row[column]
            if isinstance(value, str) and value.strip():
                if column not in known:
                    known[column] = _choice_labels(model_field)
                row[column] = known[column].get(value.strip(), value.strip())
        return super().before_import_row(row, **kwargs)
