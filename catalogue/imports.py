"""The catalogue import (医保目录导入): the bureau's CSV/XLSX, applied whole or not at all.

Columns ``code,name,kind,chrgitm_lv,med_chrgitm_type,price_ceiling,selfpay_prop,valid_from,
valid_to`` (DESIGN.md; empty = null) and, optionally, ``region``: a row with a region code is that
region's override of the national item of the same code. Like the payroll import:

1. the file is streamed (``csv`` over a text stream, ``openpyxl`` read-only) into a staging table
   in chunks (COPY on PostgreSQL), each row's format checked on the way;
2. the rest is checked set-based in SQL: a code twice in the file for the same region, an
   unknown region, an override of a code that is neither in the file nor in the catalogue;
3. any error → the job fails listing every error by row and column, nothing is changed;
   a dry run stops here and reports what it would do; otherwise two statements upsert the
   national items and the overrides, in one transaction.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jobs.registry import JobFailed
from staff.import_files import RowErrors, column_names, header_codes
from staff.uploads import SpreadsheetRefused, check_spreadsheet

from .models import CHARGE_TYPES, CatalogueItem, CatalogueOverride, CatalogueRow, Kind, Level
from .pinyin import initials

COLUMNS = [
    "code", "name", "kind", "chrgitm_lv", "med_chrgitm_type", "price_ceiling", "selfpay_prop",
    "valid_from", "valid_to",
]  # fmt: skip
OPTIONAL = ["region"]
CHUNK = 5000
MAX_ERRORS = 1000
MAX_ROWS = 500_000
_CODE = re.compile(r"^[0-9A-Za-z._\-]{1,50}$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_NUMBER = re.compile(r"^[0-9]{1,10}(\.[0-9]{1,6})?$")
_REGION = re.compile(r"^[0-9]{6}$")
_TYPE = re.compile(r"^(0[1-9]|1[0-4])$")
KINDS = {k.value for k in Kind}
LEVELS = {v.value for v in Level}
# The template's Chinese headers (catalogue/import_files.py); a file may use them or the codes.
HEADERS_ZH = {
    "code": "医保目录编码",
    "name": "目录名称",
    "kind": "目录类别",
    "chrgitm_lv": "收费项目等级",
    "med_chrgitm_type": "医疗收费项目类别",
    "price_ceiling": "最高限价",
    "selfpay_prop": "自付比例",
    "valid_from": "有效期起",
    "valid_to": "有效期止",
    "region": "统筹区编码",
}
# The Chinese names a clerk may write instead of the codes (the template lists both).
KIND_NAMES = {
    "药品": "drug",
    "医疗服务项目": "service",
    "医疗服务": "service",
    "医用耗材": "material",
    "耗材": "material",
}
LEVEL_NAMES = {"甲": "01", "甲类": "01", "乙": "02", "乙类": "02", "丙": "03", "丙类": "03"}
CHARGE_TYPE_NAMES = {name: code for code, name in CHARGE_TYPES.items()}


class CatalogueFileError(Exception):
    """The file as a whole cannot be read (encoding, format, header)."""


def _check_header(header: list) -> list[str]:
    names = header_codes(header, HEADERS_ZH)
    missing = [c for c in COLUMNS if c not in names]
    extra = [n for n in names if n and n not in COLUMNS + OPTIONAL]
    if missing or extra:
        parts = []
        if missing:
            parts.append(_("missing columns: %(c)s") % {"c": column_names(missing, HEADERS_ZH)})
        if extra:
            parts.append(_("unknown columns: %(c)s") % {"c": ", ".join(extra)})
        expected = f"{column_names(COLUMNS, HEADERS_ZH)}，[{column_names(OPTIONAL, HEADERS_ZH)}]"
        raise CatalogueFileError(
            _("The header row is wrong (%(problems)s); expected exactly: %(expected)s.")
            % {"problems": "; ".join(parts), "expected": expected}
        )
    return names


def _encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(256 * 1024)
    if not head.strip():
        raise CatalogueFileError(_("The file is empty."))
    if b"\x00" in head:
        raise CatalogueFileError(_("The file is not a text CSV file."))
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a character cut at the sample's end is still UTF-8
            return "gb18030"
    return "utf-8-sig"


def iter_file(path: Path, filename: str) -> Iterator[tuple[int, dict]]:
    """(row number, {column: raw value}) without holding the file; the header is row 1."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        with path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=_encoding(path), newline="", errors="strict")
            reader = csv.reader(text)
            try:
                names = _check_header(next(reader))
                for number, values in enumerate(reader, 2):
                    if any(v.strip() for v in values):
                        yield (
                            number,
                            dict(zip(names, values, strict=False))
                            | {"_width": len(values) - len(names)},
                        )
            except StopIteration:
                raise CatalogueFileError(_("The file is empty.")) from None
            except (UnicodeDecodeError, csv.Error) as exc:
                raise CatalogueFileError(
                    _("The file cannot be read as CSV near row %(row)d: %(e)s")
                    % {"row": reader.line_num, "e": exc}
                ) from None
    elif suffix == ".xlsx":
        import openpyxl

        try:
            # Before openpyxl reads the shared strings whole (a 1 MB workbook may unpack to
            # gigabytes) or pads rows to a declared width of 16,384 columns: as the payroll.
            check_spreadsheet(path)
        except SpreadsheetRefused as exc:
            raise CatalogueFileError(exc.message) from None
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - an unreadable workbook is the sender's file
            raise CatalogueFileError(_("The file is not a readable XLSX workbook.")) from exc
        try:
            rows = workbook.worksheets[0].iter_rows(values_only=True)
            number = 1
            try:
                header = next(rows, None)
                if header is None:
                    raise CatalogueFileError(_("The file is empty."))
                names = _check_header(list(header))
                for number, values in enumerate(rows, 2):  # noqa: B007 - read in the except
                    if any(v not in (None, "") for v in values):
                        extra = [v for v in values[len(names) :] if v not in (None, "")]
                        yield (
                            number,
                            dict(zip(names, values, strict=False)) | {"_width": len(extra)},
                        )
            except CatalogueFileError:
                raise
            except Exception as exc:  # noqa: BLE001 - whatever the parser trips on is the file
                raise CatalogueFileError(
                    _("The workbook cannot be read after row %(row)d: a cell is damaged.")
                    % {"row": number}
                ) from exc
        finally:
            workbook.close()
    else:
        raise CatalogueFileError(_("Upload a .csv or .xlsx file."))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass(slots=True)
class StagedRow:
    """A checked row on its way into the staging table (a plain object: building a Django model
    instance per row cost as much as the whole check)."""

    row: int
    code: str
    name: str
    initials: str
    kind: str
    chrgitm_lv: str
    med_chrgitm_type: str
    price_ceiling: Decimal | None
    selfpay_prop: Decimal | None
    valid_from: date | None
    valid_to: date | None
    region: str
    job_id: int | None = None


def check_row(number: int, raw: dict) -> tuple[StagedRow | None, list[dict]]:
    """The row's own format: a staging row, or its errors (row, field, message in Chinese)."""
    errors: list[dict] = []

    region = _text(raw.get("region"))

    def error(field: str, message: str) -> None:
        # A regional override's error names its region (the name is added by _name_regions).
        entry = {"row": number, "field": field, "message": message}
        if region:
            entry["region"] = region[:20]
        errors.append(entry)

    code = _text(raw.get("code"))
    if not _CODE.match(code):
        error("code", _("The code must be 1–50 letters, digits, '.', '_' or '-'."))
    name = _text(raw.get("name"))
    if not name or len(name) > 200:
        error("name", _("The name is empty or longer than 200 characters."))
    kind = _text(raw.get("kind"))
    kind = KIND_NAMES.get(kind) or kind.lower()
    if kind not in KINDS:
        error("kind", _("The kind must be drug, service or material."))
    level = _text(raw.get("chrgitm_lv"))
    level = LEVEL_NAMES.get(level) or level.zfill(2)
    if level not in LEVELS:
        error("chrgitm_lv", _("The level must be 01 (甲类), 02 (乙类) or 03 (丙类)."))
    charge = _text(raw.get("med_chrgitm_type"))
    charge = CHARGE_TYPE_NAMES.get(charge) or charge.zfill(2)
    if not _TYPE.match(charge):
        error("med_chrgitm_type", _("The charge type must be a code from 01 to 14."))

    def number_of(field: str, places: int, maximum: Decimal | None = None) -> Decimal | None:
        value = raw.get(field)
        text = repr(value) if isinstance(value, float) else _text(value)
        if text == "":
            return None
        if not _NUMBER.match(text):
            error(field, _("Not a number in ASCII digits: “%(v)s”.") % {"v": text[:40]})
            return None
        amount = Decimal(text)
        if amount.as_tuple().exponent < -places:
            error(field, _("At most %(n)d decimal places.") % {"n": places})
            return None
        if maximum is not None and amount > maximum:
            error(field, _("Must be at most %(max)s.") % {"max": maximum})
            return None
        return amount

    ceiling = number_of("price_ceiling", 6)
    prop = number_of("selfpay_prop", 4, Decimal("1"))

    def date_of(field: str) -> date | None:
        value = raw.get(field)
        if isinstance(value, datetime | date):
            return value.date() if isinstance(value, datetime) else value
        text = _text(value)
        if text == "":
            return None
        try:
            if not _DATE.match(text):
                raise ValueError
            return date.fromisoformat(text)
        except ValueError:
            error(field, _("The date must be YYYY-MM-DD; got “%(v)s”.") % {"v": text[:40]})
            return None

    valid_from, valid_to = date_of("valid_from"), date_of("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        error("valid_to", _("valid_to is before valid_from."))
    if region and not _REGION.match(region):
        error("region", _("The region must be a 6-digit code."))
    if raw.get("_width", 0) > 0:
        error("", _("The row has more values than the header has columns."))
    if errors:
        return None, errors
    return StagedRow(
        row=number,
        code=code,
        name=name,
        initials=initials(name),
        kind=kind,
        chrgitm_lv=level,
        med_chrgitm_type=charge,
        price_ceiling=ceiling,
        selfpay_prop=prop,
        valid_from=valid_from,
        valid_to=valid_to,
        region=region,
    ), []


STAGING = (
    "job_id", "row", "code", "name", "initials", "kind", "chrgitm_lv", "med_chrgitm_type",
    "price_ceiling", "selfpay_prop", "valid_from", "valid_to", "region",
)  # fmt: skip
ROWS = CatalogueRow._meta.db_table
ITEMS = CatalogueItem._meta.db_table
OVERRIDES = CatalogueOverride._meta.db_table


def _write_staging(rows: list[StagedRow]) -> None:
    """COPY on PostgreSQL (the fastest way in); bulk INSERT elsewhere."""
    if connection.vendor != "postgresql":
        CatalogueRow.objects.bulk_create(
            [CatalogueRow(**{name: getattr(r, name) for name in STAGING}) for r in rows],
            batch_size=500,
        )
        return
    copy_sql = f"COPY {ROWS} ({', '.join(STAGING)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for r in rows:
            copy.write_row(tuple(getattr(r, name) for name in STAGING))


def _stage(job_id: int, path: Path, filename: str, progress) -> tuple[RowErrors, int]:
    """Stream the file into the staging table; returns (the format errors found, rows read).
    The progress counts the rows read, a wrong one too (a file of 3 rows with 1 wrong is 3 / 3
    read, not 2 / 2)."""
    found = RowErrors(limit=MAX_ERRORS)
    total = read = 0
    buffer: list[StagedRow] = []

    def advance() -> None:
        nonlocal read
        if progress is not None and read:
            progress.advance(read)
        read = 0

    for number, raw in iter_file(path, filename):
        total += 1
        read += 1
        if total > MAX_ROWS:
            raise CatalogueFileError(
                _("The file has more than %(max)d rows; split it.") % {"max": MAX_ROWS}
            )
        row = found.check(number, raw, check_row)
        if row is not None:
            row.job_id = job_id
            buffer.append(row)
        if len(buffer) >= CHUNK or read >= CHUNK:
            if buffer:
                _write_staging(buffer)
            buffer = []
            advance()
    if buffer:
        _write_staging(buffer)
    advance()
    return found, total


def _sql_errors(job_id: int) -> list[dict]:
    checks = [
        (
            "code",
            _("The same code (for the same region) appears earlier in the file."),
            f"""SELECT r.row, r.region FROM {ROWS} r WHERE r.job_id = %s AND EXISTS
            (SELECT 1 FROM {ROWS} r2 WHERE r2.job_id = r.job_id AND r2.code = r.code
             AND r2.region = r.region AND r2.row < r.row)""",  # noqa: S608 - table names only
        ),
        (
            "region",
            _("No region has this code."),
            f"""SELECT r.row, r.region FROM {ROWS} r WHERE r.job_id = %s AND r.region <> ''
            AND NOT EXISTS (SELECT 1 FROM policies_region g WHERE g.code = r.region)""",  # noqa: S608 - table names only
        ),
        (
            "code",
            _("A regional override needs the national item: the code is not in the catalogue."),
            f"""SELECT r.row, r.region FROM {ROWS} r WHERE r.job_id = %s AND r.region <> ''
            AND NOT EXISTS (SELECT 1 FROM {ITEMS} i WHERE i.code = r.code)
            AND NOT EXISTS (SELECT 1 FROM {ROWS} n WHERE n.job_id = r.job_id
                            AND n.code = r.code AND n.region = '')""",  # noqa: S608 - table names only
        ),
    ]
    errors = []
    with connection.cursor() as cursor:
        # Each query gives the row and its region: an override's error names its region.
        for field, message, query in checks:
            cursor.execute(query + " ORDER BY 1 LIMIT %s", [job_id, MAX_ERRORS])
            for row, region in cursor.fetchall():
                entry = {"row": row, "field": field, "message": message}
                if region:
                    entry["region"] = region
                errors.append(entry)
    return errors


def _name_regions(errors: list[dict]) -> None:
    """Each error of an override row gets its region's name beside the code (玉溪市（530400）);
    a code no region has stays a code (its own error says so)."""
    from policies.models import Region

    codes = {e["region"] for e in errors if e.get("region")}
    if not codes:
        return
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    for error in errors:
        name = names.get(error.get("region") or "")
        if name:
            error["region_name"] = name


def _counts(job_id: int) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT
              SUM(CASE WHEN r.region = '' AND i.id IS NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.region = '' AND i.id IS NOT NULL THEN 1 ELSE 0 END),
              SUM(CASE WHEN r.region <> '' THEN 1 ELSE 0 END)
            FROM {ROWS} r LEFT JOIN {ITEMS} i ON i.code = r.code WHERE r.job_id = %s""",  # noqa: S608 - table names only
            [job_id],
        )
        new, updated, overrides = cursor.fetchone()
    return {"new": int(new or 0), "updated": int(updated or 0), "overrides": int(overrides or 0)}


_ITEM_FIELDS = (
    "name", "initials", "kind", "chrgitm_lv", "med_chrgitm_type", "price_ceiling",
    "selfpay_prop", "valid_from", "valid_to",
)  # fmt: skip
_OVERRIDE_FIELDS = ("chrgitm_lv", "price_ceiling", "selfpay_prop", "valid_from", "valid_to")


def _apply(job_id: int) -> None:
    """Two set-based upserts (PostgreSQL and SQLite both speak ON CONFLICT … DO UPDATE; the
    ``WHERE`` of the SELECT keeps SQLite's parser from reading ON as a join)."""
    now = timezone.now()
    items = ", ".join(_ITEM_FIELDS)
    updates = ", ".join(f"{f} = excluded.{f}" for f in (*_ITEM_FIELDS, "updated_at"))
    overrides = ", ".join(_OVERRIDE_FIELDS)
    override_updates = ", ".join(f"{f} = excluded.{f}" for f in _OVERRIDE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {ITEMS} (code, {items}, updated_at)
            SELECT code, {items}, %s FROM {ROWS} WHERE job_id = %s AND region = ''
            ON CONFLICT (code) DO UPDATE SET {updates}""",  # noqa: S608 - table names only
            [now, job_id],
        )
        cursor.execute(
            f"""INSERT INTO {OVERRIDES} (item_id, region_id, {overrides})
            SELECT i.id, g.id, {", ".join("r." + f for f in _OVERRIDE_FIELDS)}
            FROM {ROWS} r JOIN {ITEMS} i ON i.code = r.code
            JOIN policies_region g ON g.code = r.region
            WHERE r.job_id = %s AND r.region <> ''
            ON CONFLICT (item_id, region_id) DO UPDATE SET {override_updates}""",  # noqa: S608 - table names only
            [job_id],
        )


def catalogue_import_run(*, job, progress=None) -> dict:
    """The ``catalogue_import`` job: check the whole file; unless a dry run, apply it whole."""
    path = Path(job.parameters["path"])
    filename = job.parameters.get("filename", path.name)
    dry_run = bool(job.parameters.get("dry_run"))
    CatalogueRow.objects.filter(job_id=job.pk).delete()  # a redelivered job starts clean
    try:
        if progress is not None:  # the rows read, of a total known once the file is read
            progress.start_stage("check")
        try:
            found, total = _stage(job.pk, path, filename, progress)
        except CatalogueFileError as exc:
            raise JobFailed([{"field": "file", "message": str(exc)}]) from None
        if progress is not None:
            progress.set_total(total)
        if total == 0:
            raise JobFailed([{"field": "file", "message": _("The file has a header but no rows.")}])
        sql_errors = _sql_errors(job.pk)
        errors = found.listed() + sql_errors
        if errors:
            errors.sort(key=lambda e: (e.get("row") or 0, e.get("field") or ""))
            errors = errors[: MAX_ERRORS + 1]
            _name_regions(errors)
            # As the payroll check counts them: the rows read, and how many of them are wrong
            # (a row with two errors is one wrong row).
            bad_rows = found.bad_rows | {e["row"] for e in sql_errors}
            raise JobFailed(errors, result={"rows": total, "error_rows": len(bad_rows)})
        result = {"rows": total, "dry_run": dry_run, **_counts(job.pk)}
        if not dry_run:
            # Two statements write every row at once: 0 / n until they have, then n / n.
            if progress is not None:
                progress.start_stage("apply", total=total)
            with transaction.atomic():
                _apply(job.pk)
            if progress is not None:
                progress.advance(total)
        return result
    finally:
        CatalogueRow.objects.filter(job_id=job.pk).delete()
