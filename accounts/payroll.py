"""Payroll crediting (在职职工个人账户按缴费基数计入) from an employer's monthly file.

A file (CSV or XLSX, columns ``id_number,name,employer_code,period,contribution_base``) is:

1. streamed row by row (``csv`` over a text stream, ``openpyxl`` read-only) into a staging
   table in chunks, checking each row's format on the way — the file is never held in memory;
2. checked set-based in SQL against the registry: unknown person, name mismatch, unknown
   employer, person not with that employer, no personal account, duplicate row in the file,
   already credited with a different base (same base: skipped and counted), unset rate;
3. if anything is wrong, the job fails listing every error by row and column, and nothing is
   credited; otherwise every row is credited ``round(base × employee_rate, 2)`` (the person's
   region policy in force on the 1st of the period) in one transaction, chunk by chunk, with
   the accounts locked in primary-key order.

Rows are numbered as lines of the file: the header is row 1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import zip_longest
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.id_numbers import InvalidIdNumber, parse
from jobs.registry import JobFailed
from policies.models import Region
from policies.params import UnsetParameter, require_decimal
from policies.retirement import retiree_cutoff
from policies.schema import source_for
from policies.selectors import effective_policy
from staff.errors import NotFound
from staff.import_files import RowErrors, header_codes
from staff.inputs import PLAIN_DECIMAL, BadInput, ascii_digits, parse_period
from staff.uploads import SpreadsheetRefused, check_spreadsheet

from .locks import lock_accounts
from .models import LedgerEntry, PayrollRow, PersonalAccount
from .rules import money

COLUMNS = ["id_number", "name", "employer_code", "period", "contribution_base"]
# The template's Chinese headers; a file may use them instead of the codes.
HEADERS_ZH = {
    "id_number": "身份证号码",
    "name": "姓名",
    "employer_code": "单位编码",
    "period": "所属期",
    "contribution_base": "缴费基数",
}
CHUNK = 5000
MAX_ERRORS = 1000


class PayrollFileError(Exception):
    """The file as a whole cannot be read (encoding, format, header)."""


def _detect_encoding(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(256 * 1024)
    if not head.strip():
        raise PayrollFileError(_("The file is empty."))
    if b"\x00" in head:
        raise PayrollFileError(_("The file is not a text CSV file."))
    try:
        head.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(head) - 3:
            return "utf-8-sig"
    return "gb18030"


def _header_names(header: list) -> list[str]:
    return header_codes(header, HEADERS_ZH)


def _check_header(header: list) -> None:
    from staff.import_files import column_names

    names = _header_names(header)
    missing = [c for c in COLUMNS if c not in names]
    extra = [n for n in names if n and n not in COLUMNS]
    if missing or extra:
        parts = []
        if missing:
            parts.append(_("missing columns: %(c)s") % {"c": column_names(missing, HEADERS_ZH)})
        if extra:
            parts.append(_("unknown columns: %(c)s") % {"c": ", ".join(extra)})
        raise PayrollFileError(
            _("The header row is wrong (%(problems)s); expected exactly: %(expected)s.")
            % {"problems": "; ".join(parts), "expected": column_names(COLUMNS, HEADERS_ZH)}
        )


def iter_file(path: Path, filename: str) -> Iterator[tuple[int, dict]]:
    """Yield (row number, {column: raw value}) without reading the whole file."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        encoding = _detect_encoding(path)
        with path.open("rb") as raw:
            text = io.TextIOWrapper(raw, encoding=encoding, newline="", errors="strict")
            reader = csv.reader(text)
            try:
                header = next(reader)
            except StopIteration:
                raise PayrollFileError(_("The file is empty.")) from None
            except (UnicodeDecodeError, csv.Error) as exc:
                raise PayrollFileError(
                    _("The file cannot be read as CSV: %(e)s") % {"e": exc}
                ) from None
            _check_header(header)
            names = _header_names(header)
            try:
                for number, values in enumerate(reader, 2):
                    if not any(v.strip() for v in values):
                        continue
                    yield number, dict(zip(names, values, strict=False)) | {"_width": len(values)}
            except (UnicodeDecodeError, csv.Error) as exc:
                raise PayrollFileError(
                    _("The file cannot be read as CSV near row %(row)d: %(e)s")
                    % {"row": reader.line_num, "e": exc}
                ) from None
    elif suffix == ".xlsx":
        import openpyxl

        try:
            check_spreadsheet(path)  # before openpyxl reads the shared strings whole
        except SpreadsheetRefused as exc:
            raise PayrollFileError(exc.message) from None
        # Two readings of the same sheet in step: the values Excel computed last and the cells
        # as typed, so a formula is read as its result, and one never computed (a workbook
        # written by a program, not saved from Excel) is a row error, not an empty cell.
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
            typed = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # noqa: BLE001 - an unreadable workbook is the sender's file
            raise PayrollFileError(_("The file is not a readable XLSX workbook.")) from exc
        try:
            rows = _guarded(workbook.worksheets[0].iter_rows(values_only=True))
            cells = _guarded(typed.worksheets[0].iter_rows(values_only=True))
            header = next(rows, None)
            next(cells, None)
            if header is None:
                raise PayrollFileError(_("The file is empty."))
            _check_header(list(header))
            names = _header_names(list(header))
            for number, values in enumerate(rows, 2):
                as_typed = next(cells, ())
                if not any(v not in (None, "") for v in values) and not any(
                    _is_formula(v) for v in as_typed
                ):
                    continue
                values = [
                    UncomputedFormula(t) if v is None and _is_formula(t) else v
                    for v, t in zip_longest(values, as_typed)
                ][: max(len(values), len(names))]
                yield number, dict(zip(names, values, strict=False)) | {"_width": len(names)}
        finally:
            workbook.close()
            typed.close()
    else:
        raise PayrollFileError(_("Upload a .csv or .xlsx file."))


def _guarded(rows: Iterator) -> Iterator:
    """A sheet's rows; a cell openpyxl cannot parse (a damaged or hand-made file) is the
    file's error, with the row it stopped at."""
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - whatever the parser trips on, it is the file
            raise PayrollFileError(
                _("The workbook cannot be read after row %(row)d: a cell is damaged.")
                % {"row": number}
            ) from exc
        number += 1
        yield values


class UncomputedFormula(str):
    """An XLSX cell holding a formula with no computed value stored in the file."""


def _is_formula(value) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_row(number: int, raw: dict) -> tuple[PayrollRow | None, list[dict]]:
    """The row's own format; returns a staging row or the errors (row, field, message)."""
    errors: list[dict] = []

    def error(field: str, message: str) -> None:
        errors.append({"row": number, "field": field, "message": message})

    id_number = _text(raw.get("id_number")).upper()
    try:
        id_number = parse(id_number).number
    except InvalidIdNumber as exc:
        error("id_number", str(exc))
    name = _text(raw.get("name"))
    if not name:
        error("name", _("The name is empty."))
    employer_code = _text(raw.get("employer_code"))
    if not employer_code:
        error("employer_code", _("The employer code is empty."))
    else:
        try:
            ascii_digits(employer_code, field=HEADERS_ZH["employer_code"])
        except BadInput as exc:
            error("employer_code", exc.message)
    period_value = raw.get("period")
    if isinstance(period_value, datetime | date):
        period = f"{period_value:%Y-%m}"
    else:
        period = _text(period_value)
    try:
        # Stored and compared as text: only the ASCII spelling, never a month still to come.
        parse_period(period, field=HEADERS_ZH["period"], today=timezone.localdate())
    except BadInput as exc:
        error("period", exc.message)
    base_value = raw.get("contribution_base")
    base = None
    try:
        if isinstance(base_value, float):  # an XLSX number cell: its shortest exact spelling
            base_text = format(Decimal(repr(base_value)), "f")
        else:
            base_text = _text(base_value)
        ascii_digits(base_text, field=HEADERS_ZH["contribution_base"])
        # Written out as a clerk writes it: Decimal() also reads 1e3, 1_000 and NaN.
        if not PLAIN_DECIMAL.fullmatch(base_text):  # as the roster, the API and the forms
            raise InvalidOperation
        base = abs(Decimal(base_text)) if Decimal(base_text).is_zero() else Decimal(base_text)
    except BadInput as exc:
        error("contribution_base", exc.message)
    except (InvalidOperation, ValueError):
        error(
            "contribution_base",
            _("The contribution base is not a number: “%(v)s”.") % {"v": _text(base_value)},
        )
    else:
        if base < 0:
            error("contribution_base", _("The contribution base cannot be negative."))
        elif base.as_tuple().exponent < -2:
            error("contribution_base", _("The contribution base has more than two decimals."))
        elif base >= Decimal("1e11"):
            error("contribution_base", _("The contribution base is implausibly large."))
    for field, value in raw.items():
        if isinstance(value, UncomputedFormula):
            errors[:] = [e for e in errors if e["field"] != field]
            error(
                field,
                _(
                    "The cell holds the formula “%(f)s” but no computed value: open the file"
                    " in Excel or WPS, save it, and upload it again (or paste the values)."
                )
                % {"f": value},
            )
    if raw.get("_width", len(COLUMNS)) > len(COLUMNS):
        error("", _("The row has more values than the header has columns."))
    if errors:
        return None, errors
    return PayrollRow(
        row=number,
        id_number=id_number,
        name=name,
        employer_code=employer_code,
        period=period,
        base=base.quantize(Decimal("0.01")),
    ), []


STAGING_COLUMNS = (
    "job_id", "row", "id_number", "name", "employer_code", "period", "base", "already_credited",
)  # fmt: skip


def _write_staging(rows: list[PayrollRow]) -> None:
    """COPY on PostgreSQL (the fastest way in); bulk INSERT elsewhere."""
    if connection.vendor != "postgresql":
        PayrollRow.objects.bulk_create(rows)
        return
    columns = ", ".join(STAGING_COLUMNS)
    copy_sql = f"COPY accounts_payrollrow ({columns}) FROM STDIN"  # noqa: S608
    with connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for r in rows:
            copy.write_row(
                (r.job_id, r.row, r.id_number, r.name, r.employer_code, r.period, r.base, False)
            )


def _stage(
    job_id: int, path: Path, filename: str, progress, *, keep=None
) -> tuple[int, RowErrors, int]:
    """Stream the file into the staging table; returns (rows staged, the format errors found,
    rows read). The progress counts the rows read, a wrong one too (a file of 4 rows with 1
    wrong is 4 / 4 read, not 3 / 3), as the catalogue import counts them. ``keep(raw)``: what
    to keep of each refused row whose errors are listed (``RowErrors.kept``)."""
    found = RowErrors(limit=MAX_ERRORS, keep=keep)
    buffer: list[PayrollRow] = []
    staged = total = read = 0
    for number, raw in iter_file(path, filename):
        total += 1
        read += 1
        row = found.check(number, raw, check_row)
        if row is not None:
            row.job_id = job_id
            buffer.append(row)
        if len(buffer) >= CHUNK or read >= CHUNK:
            if buffer:
                _write_staging(buffer)
                staged += len(buffer)
            buffer = []
            if progress is not None:
                progress.advance(read)
            read = 0
    if buffer:
        _write_staging(buffer)
        staged += len(buffer)
    if progress is not None and read:
        progress.advance(read)
    return staged, found, total


def _sql_errors(job_id: int) -> list[dict]:
    """The registry checks, set-based."""
    checks = [
        (
            "id_number",
            _("No insured person has this ID number."),
            "SELECT r.row FROM accounts_payrollrow r WHERE r.job_id = %s AND r.person_id IS NULL",
        ),
        (
            "name",
            _("The name does not match the registered name of this ID number."),
            """SELECT r.row FROM accounts_payrollrow r
            JOIN enrollment_person p ON p.id = r.person_id
            WHERE r.job_id = %s AND p.name <> r.name""",
        ),
        (
            "employer_code",
            _("No employer has this code."),
            """SELECT r.row FROM accounts_payrollrow r WHERE r.job_id = %s AND NOT EXISTS
            (SELECT 1 FROM enrollment_employer e WHERE e.code = r.employer_code)""",
        ),
        (
            "employer_code",
            _("The person is not registered with this employer."),
            """SELECT r.row FROM accounts_payrollrow r
            JOIN enrollment_person p ON p.id = r.person_id
            JOIN enrollment_employer e ON e.code = r.employer_code
            WHERE r.job_id = %s AND (p.employer_id IS NULL OR p.employer_id <> e.id)""",
        ),
        (
            "id_number",
            _("The person has no personal account under the region's policy."),
            """SELECT r.row FROM accounts_payrollrow r WHERE r.job_id = %s
            AND r.person_id IS NOT NULL AND r.account_id IS NULL""",
        ),
        (
            "period",
            _("The same person and period appear earlier in the file."),
            """SELECT r.row FROM accounts_payrollrow r WHERE r.job_id = %s AND EXISTS
            (SELECT 1 FROM accounts_payrollrow r2 WHERE r2.job_id = r.job_id
             AND r2.id_number = r.id_number AND r2.period = r.period AND r2.row < r.row)""",
        ),
        (
            "contribution_base",
            _("This person was already credited for this period with a different base."),
            """SELECT r.row FROM accounts_payrollrow r JOIN accounts_ledgerentry l
            ON l.account_id = r.account_id AND l.kind = 'payroll_credit' AND l.period = r.period
            WHERE r.job_id = %s AND l.contribution_base <> r.base""",
        ),
    ]
    errors = []
    with connection.cursor() as cursor:
        for field, message, sql in checks:
            cursor.execute(sql + " ORDER BY 1 LIMIT %s", [job_id, MAX_ERRORS])
            errors.extend(
                {"row": row, "field": field, "message": message} for (row,) in cursor.fetchall()
            )
    return errors


def _resolve(job_id: int) -> None:
    """Fill person, account and region of the staged rows, and mark rows already credited."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE accounts_payrollrow
               SET person_id = p.id, region_id = p.region_id, account_id = a.id
               FROM enrollment_person p
               LEFT JOIN accounts_personalaccount a ON a.person_id = p.id
               WHERE accounts_payrollrow.job_id = %s
                 AND p.id_number = accounts_payrollrow.id_number""",
            [job_id],
        )
        cursor.execute(
            """UPDATE accounts_payrollrow SET already_credited = TRUE
               WHERE job_id = %s AND EXISTS (SELECT 1 FROM accounts_ledgerentry l
                 WHERE l.account_id = accounts_payrollrow.account_id
                   AND l.kind = 'payroll_credit' AND l.period = accounts_payrollrow.period
                   AND l.contribution_base = accounts_payrollrow.base)""",
            [job_id],
        )


def _rates(job_id: int) -> tuple[dict[tuple[int, str], Decimal], list[dict]]:
    """employee_rate per (region, period), from the policy in force on the 1st of the period."""
    combos = (
        PayrollRow.objects.filter(job_id=job_id, region_id__isnull=False)
        .values_list("region_id", "period")
        .distinct()
    )
    rates, errors = {}, []
    for region_id, period in combos:
        first = date(int(period[:4]), int(period[5:]), 1)
        try:  # the effective policy: a pooling area's own values over its framework's
            version = effective_policy(region=Region.objects.get(pk=region_id), on_date=first)
        except NotFound:
            version = None
        if version is None:
            rows = list(
                PayrollRow.objects.filter(
                    job_id=job_id, region_id=region_id, period=period
                ).values_list("row", flat=True)[:50]
            )
            errors.extend(
                {
                    "row": r,
                    "field": "period",
                    "message": _("No policy of the person's region is in force in %(p)s.")
                    % {"p": period},
                }
                for r in rows
            )
            continue
        try:
            rates[(region_id, period)] = require_decimal(
                version.document, "account.employee_rate", region=version.region.name
            )
            errors.extend(_not_employees(job_id, region_id, period, first, version))
        except UnsetParameter as exc:
            rows = list(
                PayrollRow.objects.filter(
                    job_id=job_id, region_id=region_id, period=period
                ).values_list("row", flat=True)[:50]
            )
            errors.extend(
                {
                    "row": r,
                    "field": "period",
                    "region": version.region.code,
                    "region_name": version.region.name,
                    "message": exc.message,
                }
                for r in rows
            )
    return rates, errors


def _not_employees(job_id: int, region_id: int, period: str, first: date, version) -> list[dict]:
    """Rows the employee rate does not apply to under the region's document: every document
    credits ``employee_rate`` to 在职职工 only (e.g. Wuhan 第五条, Tibet 第十二条), so a person who
    is a retiree in that period (``policies.retirement``: the region's
    ``account.retiree_credit_from``) is refused, as is one whose employment the document gives
    no account (``account.no_account``: an account kept from before a change of employment).
    Where the document leaves the start month unset, a row of the retirement month itself is
    refused naming that parameter: employee or retiree there is the bureau's figure."""
    document, region = version.document, version.region
    cutoff, unset = retiree_cutoff(first, document)
    account = document.get("account") or {}
    no_account = [e for e in account.get("no_account") or [] if e in NO_ACCOUNT_CODES]
    end = date(first.year + (first.month == 12), 1 if first.month == 12 else first.month + 1, 1)
    checks = [
        (
            "p.category = 'retiree' AND p.retirement_date < %s",
            [cutoff],
            _(
                "%(name)s is a retiree in %(period)s (%(cite)s): a retiree's account is credited "
                "by the monthly retiree crediting, not at the employees' rate."
            ),
            "account.retiree_credit_from" if account.get("retiree_credit_from") else "",
        ),
    ]
    if unset:
        checks.append(
            (
                "p.category = 'retiree' AND p.retirement_date >= %s AND p.retirement_date < %s",
                [first, end],
                _(
                    "%(name)s retired in %(period)s and %(region)s policy parameter "
                    "account.retiree_credit_from is unset (%(cite)s): whether this month is "
                    "credited as an employee or as a retiree is not given; nothing is credited."
                ),
                "account.retiree_credit_from",
            )
        )
    if no_account:
        checks.append(
            (
                # Rows without an account are refused for that already.
                "r.account_id IS NOT NULL AND p.employment IN "
                f"({', '.join(['%s'] * len(no_account))})",
                no_account,
                _(
                    "%(name)s's employment has no personal account under the policy of "
                    "%(region)s (%(cite)s); nothing is credited."
                ),
                "account.no_account",
            )
        )
    errors = []
    with connection.cursor() as cursor:
        for condition, params, message, dotted in checks:
            # Only this function's own conditions are formatted in; values are parameters.
            sql = f"{NOT_EMPLOYEE_SQL} AND {condition} ORDER BY r.row LIMIT 50"
            cursor.execute(sql, [job_id, region_id, period, *params])
            source = source_for(document, dotted or "account.employee_rate") or {}
            cite = f"{version.citation_source} {source.get('article', '')}".strip()
            errors.extend(
                {
                    "row": row,
                    "field": "id_number",
                    "region": region.code,
                    "region_name": region.name,
                    "message": message
                    % {"name": name, "period": period, "region": region.name, "cite": cite},
                }
                for row, name in cursor.fetchall()
            )
    return errors


NO_ACCOUNT_CODES = ("flexible", "single_pooling")
NOT_EMPLOYEE_SQL = (
    "SELECT r.row, p.name FROM accounts_payrollrow r JOIN enrollment_person p"
    " ON p.id = r.person_id WHERE r.job_id = %s AND r.region_id = %s AND r.period = %s"
)


PG_APPLY_SQL = """
WITH locked AS (
    SELECT id, balance FROM accounts_personalaccount
    WHERE id = ANY(%s::bigint[]) ORDER BY id FOR UPDATE
), credits AS (
    SELECT r.account_id, r.period, r.base, r.row, r.amount,
           l.balance + SUM(r.amount) OVER (
               PARTITION BY r.account_id ORDER BY r.period, r.row) AS balance_after
    FROM accounts_payrollrow r JOIN locked l ON l.id = r.account_id
    WHERE r.job_id = %s AND NOT r.already_credited AND r.amount > 0
), ins AS (
    INSERT INTO accounts_ledgerentry
        (account_id, kind, amount, balance_after, period, contribution_base, reference, memo,
         created_by_id, created_at)
    SELECT account_id, 'payroll_credit', amount, balance_after, period, base,
           %s || row, '', %s, %s
    FROM credits
    RETURNING account_id, amount
), upd AS (
    UPDATE accounts_personalaccount a SET balance = a.balance + s.total
    FROM (SELECT account_id, SUM(amount) AS total FROM ins GROUP BY account_id) s
    WHERE a.id = s.account_id
    RETURNING s.total
)
SELECT (SELECT COUNT(*) FROM ins), (SELECT COALESCE(SUM(total), 0) FROM upd)
"""


def _apply_pg(job_id: int, rates: dict, actor_id: int | None, progress) -> tuple[int, Decimal]:
    """PostgreSQL: amounts computed set-based (numeric ROUND is half away from zero, i.e. half
    up for these positive amounts), then one statement per chunk of accounts: lock them in
    primary-key order, insert the credits with running balances, move the balances."""
    from .crediting import pg_array

    with connection.cursor() as cursor:
        values = ", ".join(["(%s::bigint, %s, %s::numeric)"] * len(rates))
        params = [
            x for (region_id, period), rate in rates.items() for x in (region_id, period, rate)
        ]
        cursor.execute(
            f"""UPDATE accounts_payrollrow r SET amount = ROUND(r.base * v.rate, 2)
                FROM (VALUES {values}) AS v(region_id, period, rate)
                WHERE r.job_id = %s AND r.region_id = v.region_id AND r.period = v.period""",  # noqa: S608
            [*params, job_id],
        )
    credited, total, after = 0, Decimal("0.00"), 0
    reference = f"payroll:job:{job_id}:row:"
    now = timezone.now()
    while True:
        with connection.cursor() as cursor:
            # The chunk's accounts and their rows: the progress counts rows (a row of base 0
            # credits nothing and is done all the same), not the entries written.
            cursor.execute(
                """SELECT account_id, COUNT(*) FROM accounts_payrollrow
                   WHERE job_id = %s AND NOT already_credited AND account_id > %s
                   GROUP BY account_id ORDER BY account_id LIMIT %s""",
                [job_id, after, CHUNK],
            )
            chunk = cursor.fetchall()
            if not chunk:
                break
            ids = [account_id for account_id, _rows in chunk]
            cursor.execute(PG_APPLY_SQL, [pg_array(ids), job_id, reference, actor_id, now])
            count, amount = cursor.fetchone()
        credited += count
        total += Decimal(amount)
        after = ids[-1]
        if progress is not None:
            progress.advance(sum(rows for _account, rows in chunk))
    return credited, total.quantize(Decimal("0.01"))


def _apply(job_id: int, rates: dict, actor_id: int | None, progress) -> tuple[int, Decimal]:
    """Credit every staged row not already credited; one transaction for the whole file."""
    if connection.vendor == "postgresql":
        return _apply_pg(job_id, rates, actor_id, progress)
    credited, amount_total = 0, Decimal("0.00")
    rows = (
        PayrollRow.objects.filter(job_id=job_id, already_credited=False)
        .order_by("account_id", "period", "row")
        .values_list("account_id", "region_id", "period", "base", "row")
    )
    reference = f"payroll:job:{job_id}"
    chunk: list[tuple] = []

    def flush(chunk: list[tuple]) -> None:
        nonlocal credited, amount_total
        accounts = lock_accounts(r[0] for r in chunk)
        balances = {pk: account.balance for pk, account in accounts.items()}
        entries = []
        for account_id, region_id, period, base, row in chunk:
            amount = money(base * rates[(region_id, period)])
            if amount == 0:
                continue
            balances[account_id] += amount
            entries.append(
                LedgerEntry(
                    account_id=account_id,
                    kind="payroll_credit",
                    amount=amount,
                    balance_after=balances[account_id],
                    period=period,
                    contribution_base=base,
                    reference=f"{reference}:row:{row}",
                    created_by_id=actor_id,
                )
            )
            amount_total += amount
        LedgerEntry.objects.bulk_create(entries, batch_size=2000)
        changed = [accounts[pk] for pk in balances if balances[pk] != accounts[pk].balance]
        for account in changed:
            account.balance = balances[account.pk]
        PersonalAccount.objects.bulk_update(changed, ["balance"], batch_size=2000)
        credited += len(entries)
        if progress is not None:
            progress.advance(len(chunk))

    for row in rows.iterator(chunk_size=CHUNK):
        if chunk and len(chunk) >= CHUNK and row[0] != chunk[-1][0]:
            flush(chunk)
            chunk = []
        chunk.append(row)
    if chunk:
        flush(chunk)
    return credited, amount_total


ONE_CREDIT = "ledger_one_credit_per_account_kind_period"
REFERENCE = re.compile(r"^payroll:job:([0-9]+):row:")


def _is_double_credit(exc: IntegrityError) -> bool:
    """The unique rule "one credit per account, kind and period" refused an entry."""
    diag = getattr(exc.__cause__, "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name == ONE_CREDIT
    text = str(exc)
    return ONE_CREDIT in text or "accounts_ledgerentry.period" in text  # SQLite names columns


def _credited_meanwhile(job_id: int) -> JobFailed:
    """Rows of this file another job credited while this one ran (the same file applied twice
    at once): the error names that job and the rows; nothing of this file was credited."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT r.row, l.reference FROM accounts_payrollrow r
               JOIN accounts_ledgerentry l ON l.account_id = r.account_id
                AND l.kind = 'payroll_credit' AND l.period = r.period
               WHERE r.job_id = %s AND NOT r.already_credited
               ORDER BY r.row LIMIT %s""",
            [job_id, MAX_ERRORS],
        )
        clashes = cursor.fetchall()
    jobs = sorted({int(m.group(1)) for _row, ref in clashes if (m := REFERENCE.match(ref or ""))})
    named = ", ".join(f"#{j}" for j in jobs) or _("another job")
    errors = [
        {
            "field": "file",
            "message": _(
                "The rows of this file were credited by job %(jobs)s while this job ran "
                "(the same payroll applied twice at once); nothing was credited by this job. "
                "Rows already credited are skipped if the file is applied again."
            )
            % {"jobs": named},
        }
    ]
    for row, ref in clashes:
        m = REFERENCE.match(ref or "")
        errors.append(
            {
                "row": row,
                "field": "period",
                "message": _("Already credited for this period by job %(job)s.")
                % {"job": f"#{m.group(1)}" if m else _("another job")},
            }
        )
    if not clashes:  # the other job's entries are not visible (still being written)
        errors[0]["message"] = _(
            "The rows of this file are being credited by another job at the same time; "
            "nothing was credited by this job. Apply the file again once that job has ended."
        )
    return JobFailed(errors)


def payroll_cleanup(job, *, finished: bool) -> None:
    """The job's staging rows go when a run is cut short and when the job ends; the uploaded
    file goes when the job ends (or, with ``PAYROLL_UPLOAD_RETENTION_HOURS``, by the beat
    later). The job keeps its counts in ``result``."""
    PayrollRow.objects.filter(job_id=job.pk).delete()
    if finished and settings.PAYROLL_UPLOAD_RETENTION_HOURS <= 0:
        _delete_upload(job.parameters.get("path"))


def _delete_upload(path: str | None) -> bool:
    """Delete a stored upload: only a file in the payroll upload folder."""
    if not path:
        return False
    folder = (Path(settings.MEDIA_ROOT) / "payroll").resolve()
    file = Path(path).resolve()
    if folder not in file.parents:
        return False
    try:
        file.unlink()
    except FileNotFoundError:
        return False
    return True


def payroll_uploads_purge(*, now: datetime | None = None) -> int:
    """Beat: delete the uploaded files of payroll jobs that ended more than
    ``PAYROLL_UPLOAD_RETENTION_HOURS`` ago; returns how many files were deleted."""
    from datetime import timedelta

    from jobs.models import Job

    hours = max(0, settings.PAYROLL_UPLOAD_RETENTION_HOURS)
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    ended = Job.objects.filter(
        kind="payroll_import", status__in=Job.FINISHED, finished_at__lte=cutoff
    ).values_list("parameters", flat=True)
    return sum(_delete_upload(parameters.get("path")) for parameters in ended.iterator())


def payroll_import_run(*, job, progress=None) -> dict:
    """The ``payroll_import`` job: validate the whole file, then credit it whole or not at all."""
    path = Path(job.parameters["path"])
    filename = job.parameters.get("filename", path.name)
    PayrollRow.objects.filter(job_id=job.pk).delete()  # a redelivered job starts clean
    digest = job.parameters.get("sha256")
    if digest:
        from .payroll_check import file_sha256

        if not path.is_file() or file_sha256(path) != digest:
            raise JobFailed(
                [
                    {
                        "field": "file",
                        "message": _(
                            "The file is not the one that was checked (it changed or is gone);"
                            " nothing was credited. Upload it again and check it."
                        ),
                    }
                ]
            )
    try:
        if progress is not None:  # the rows read, of a total known once the file is read
            progress.start_stage("check")
        try:
            staged, found, total = _stage(job.pk, path, filename, progress)
        except PayrollFileError as exc:
            raise JobFailed([{"field": "file", "message": str(exc)}]) from None
        if progress is not None:
            progress.set_total(total)
        if total == 0:
            raise JobFailed([{"field": "file", "message": _("The file has a header but no rows.")}])
        _resolve(job.pk)
        sql_errors = _sql_errors(job.pk)
        rates, rate_errors = _rates(job.pk)
        errors = found.listed() + sql_errors + rate_errors
        if errors:
            errors.sort(key=lambda e: (e.get("row") or 0, e.get("field") or ""))
            # The rows read, and how many of them are wrong (a row with two errors is one).
            bad_rows = found.bad_rows | {e["row"] for e in sql_errors + rate_errors if e.get("row")}
            raise JobFailed(
                errors[: MAX_ERRORS + 1], result={"rows": total, "error_rows": len(bad_rows)}
            )
        skipped = PayrollRow.objects.filter(job_id=job.pk, already_credited=True).count()
        if progress is not None:  # the same rows again: the ones already credited are done
            progress.start_stage("credit", total=total, done=skipped)
        try:
            with transaction.atomic():
                credited, amount = _apply(job.pk, rates, job.created_by_id, progress)
        except IntegrityError as exc:
            if not _is_double_credit(exc):
                raise
            raise _credited_meanwhile(job.pk) from None
        return {
            "rows": total,
            "credited": credited,
            "skipped_already_credited": skipped,
            "amount": f"{amount:.2f}",
        }
    finally:
        PayrollRow.objects.filter(job_id=job.pk).delete()
