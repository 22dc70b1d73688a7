"""Bulk registration from a file: a dry run that reports every row, then an all-or-nothing apply.

The file is read once into a tablib Dataset (registration files are thousands of rows, not
millions; payroll files, which are large, are streamed by ``accounts``). CSV is read as UTF-8
(with or without BOM) and, failing that, as GB18030, the encoding Excel uses for Chinese CSV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.db import transaction
from django.utils.translation import gettext as _

from staff.errors import DomainError
from staff.exports import header_code
from staff.inputs import foreign_digits_message, has_foreign_digits
from staff.uploads import SpreadsheetRefused, check_spreadsheet

from .resources import COLUMNS, RESOURCES

MAX_ROWS = 50_000


@dataclass
class RowReport:
    row: int  # line in the file; the header is line 1
    status: str  # new | update | skip | error
    values: dict
    errors: list[dict] = field(default_factory=list)  # {"field": column, "message": ...}


@dataclass
class ImportReport:
    kind: str
    rows: list[RowReport]
    applied: bool = False

    @property
    def error_count(self) -> int:
        return sum(len(r.errors) for r in self.rows)

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and bool(self.rows)

    def totals(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        return counts

    def errors(self) -> list[dict]:
        return [{"row": r.row, **e} for r in self.rows for e in r.errors]


def read_dataset(path: Path, filename: str) -> tablib.Dataset:
    suffix = Path(filename).suffix.lower()
    raw = Path(path).read_bytes()
    if not raw.strip():
        raise DomainError(_("The file is empty."), field="file")
    if suffix == ".xlsx":
        try:
            check_spreadsheet(Path(path))  # before openpyxl reads the shared strings whole
        except SpreadsheetRefused as exc:
            raise DomainError(exc.message, field="file") from None
        try:
            return tablib.Dataset().load(raw, format="xlsx")
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the clerk's file
            raise DomainError(_("The file is not a readable XLSX workbook."), field="file") from exc
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise DomainError(_("The CSV file's encoding is not UTF-8 or GB18030."), field="file")
        if "\x00" in text:
            raise DomainError(_("The file is not a text CSV file."), field="file")
        return tablib.Dataset().load(text, format="csv")
    raise DomainError(_("Upload a .csv or .xlsx file."), field="file")


def _check_columns(kind: str, dataset: tablib.Dataset) -> None:
    from staff.import_files import header_codes

    from .import_files import HEADERS_ZH

    # ``身份证号码（id_number）`` (an export's labelled header) reads as ``id_number``; the
    # template's Chinese headers are read as the column codes they stand for.
    headers = header_codes([header_code(h) for h in (dataset.headers or [])], HEADERS_ZH[kind])
    dataset.headers = headers
    missing = [c for c in COLUMNS[kind] if c not in headers]
    required = {
        "persons": {"id_number", "name", "region"},
        "institutions": {"code", "name", "region", "kind"},
    }[kind]
    if required & set(missing):
        raise DomainError(
            _("Missing columns: %(missing)s. Expected: %(expected)s.")
            % {
                "missing": ", ".join(sorted(required & set(missing))),
                "expected": ",".join(COLUMNS[kind]),
            },
            field="file",
        )
    unknown = [h for h in headers if h not in COLUMNS[kind]]
    if unknown:
        raise DomainError(
            _("Unknown columns: %(unknown)s. Expected: %(expected)s.")
            % {"unknown": ", ".join(unknown), "expected": ",".join(COLUMNS[kind])},
            field="file",
        )
    if len(dataset) > MAX_ROWS:
        raise DomainError(
            _("The file has %(n)d rows; split it into files of at most %(max)d.")
            % {"n": len(dataset), "max": MAX_ROWS},
            field="file",
        )
    if not len(dataset):
        raise DomainError(_("The file has a header but no rows."), field="file")


def _run(kind: str, dataset: tablib.Dataset, *, dry_run: bool, user) -> ImportReport:
    resource = RESOURCES[kind]()
    column_of = {name: f.column_name for name, f in resource.fields.items()}
    result = resource.import_data(
        dataset, dry_run=dry_run, raise_errors=False, use_transactions=True, user=user
    )
    reports: dict[int, RowReport] = {}
    for number, row_result in enumerate(result.rows, 1):
        values = dict(zip(dataset.headers, dataset[number - 1], strict=False))
        status = {"new": "new", "update": "update", "skip": "skip"}.get(
            row_result.import_type, "error"
        )
        reports[number] = RowReport(row=number + 1, status=status, values=values)
    for invalid in result.invalid_rows:
        report = reports[invalid.number]
        report.status = "error"
        for name, messages in invalid.error_dict.items():
            column = column_of.get(name, name if name != "__all__" else None)
            for message in messages:
                report.errors.append({"field": column, "message": str(message)})
    for number, errors in result.row_errors():
        report = reports[number]
        report.status = "error"
        for error in errors:
            report.errors.append({"field": None, "message": str(error.error)})
    for report in reports.values():
        # Codes, numbers and dates with digits other than 0-9 (the widgets would read ２ as 2
        # and a code would be stored as typed): refused, so the whole file is (import_apply).
        for column, value in report.values.items():
            if column != "name" and isinstance(value, str) and has_foreign_digits(value):
                report.status = "error"
                report.errors.append(
                    {"field": column, "message": foreign_digits_message(column, value.strip())}
                )
    return ImportReport(kind=kind, rows=[reports[k] for k in sorted(reports)])


def import_preview(*, kind: str, path: Path, filename: str, user=None) -> ImportReport:
    """Dry run: every row with what would happen and every error; nothing is kept."""
    dataset = read_dataset(path, filename)
    _check_columns(kind, dataset)
    return _run(kind, dataset, dry_run=True, user=user)


def import_apply(*, kind: str, path: Path, filename: str, user=None) -> ImportReport:
    """Apply the whole file in one transaction, or nothing when any row is refused."""
    dataset = read_dataset(path, filename)
    _check_columns(kind, dataset)
    with transaction.atomic():
        report = _run(kind, dataset, dry_run=False, user=user)
        if not report.ok:
            transaction.set_rollback(True)
            return report
    report.applied = True
    return report
