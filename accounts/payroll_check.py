"""The payroll file's check before crediting (核对后入账), as the person import's dry run does.

``payroll_check`` reads an uploaded file with the very checks the ``payroll_import`` job runs
(format row by row, then the registry set-based, then the rates in force), credits nothing, and
reports the totals per employer and person category — rows, rows to credit, rows already
credited (skipped), the contribution bases and the amount each would be credited,
``round(base × employee_rate, 2)`` half up — and every row with its errors. The file's SHA-256
is kept with the check: the job started by 确认入账 refuses a file that is not the one checked.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

from .models import PayrollRow
from .payroll import PayrollFileError, _rates, _resolve, _sql_errors, _stage, _text
from .rules import money

ZERO = Decimal("0.00")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class PayrollCheck:
    """What crediting the file would do; ``ok`` when it has no error."""

    sha256: str
    rows: int = 0
    errors: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)  # per employer and category

    @property
    def ok(self) -> bool:
        return self.rows > 0 and not self.errors

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors if e.get("row")})

    def totals(self) -> dict:
        keys = ("rows", "to_credit", "skipped", "base", "amount")
        return {
            k: sum((g[k] for g in self.groups), ZERO if k in ("base", "amount") else 0)
            for k in keys
        }


def _as_written(raw: dict) -> tuple[str, str]:
    """(employer code, ID number) as written in the file, of a row whose format was refused
    (never staged): kept by the staging pass (at most the error cap of them, the rows whose
    errors are listed), so the row is counted in its employer's group without reading the
    file a second time, and the totals' rows are the rows read and the rows with errors add up."""
    return _text(raw.get("employer_code")), _text(raw.get("id_number"))


def _groups(
    staging_id: int, rates: dict, error_rows: set[int], unstaged: list[tuple[str, str]] = ()
) -> list[dict]:
    from enrollment.models import Employer, Person

    groups: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"rows": 0, "to_credit": 0, "skipped": 0, "errors": 0, "base": ZERO, "amount": ZERO}
    )
    if unstaged:
        numbers = {n.strip().upper() for _code, n in unstaged}
        categories = dict(
            Person.objects.filter(id_number__in=numbers).values_list("id_number", "category")
        )
        for code, number in unstaged:
            group = groups[(code, categories.get(number.strip().upper(), ""))]
            group["rows"] += 1
            group["errors"] += 1
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT r.row, r.employer_code, r.region_id, r.period, r.base, r.already_credited,
                      p.category
               FROM accounts_payrollrow r LEFT JOIN enrollment_person p ON p.id = r.person_id
               WHERE r.job_id = %s ORDER BY r.row""",
            [staging_id],
        )
        for row, employer, region_id, period, base, skipped, category in cursor.fetchall():
            group = groups[(employer, category or "")]
            group["rows"] += 1
            base = Decimal(base)
            group["base"] += base
            if row in error_rows:
                group["errors"] += 1
            elif skipped:
                group["skipped"] += 1
            elif (region_id, period) in rates:
                amount = money(base * rates[(region_id, period)])
                group["amount"] += amount
                group["to_credit"] += 1 if amount > 0 else 0
    names = dict(
        Employer.objects.filter(code__in={k[0] for k in groups}).values_list("code", "name")
    )
    labels = dict(Person.Category.choices)
    return [
        {
            "employer_code": code,
            "employer_name": names.get(code, ""),
            "category": category,
            "category_label": labels.get(category, _("not registered")),
            **figures,
        }
        for (code, category), figures in sorted(groups.items())
    ]


def payroll_check(*, path: Path, filename: str) -> PayrollCheck:
    """Check the file as the job would, credit nothing; staging rows under an id no job has."""
    check = PayrollCheck(sha256=file_sha256(path))
    staging_id = -secrets.randbelow(2**40) - 1  # job ids are positive
    try:
        try:
            _staged, found, total = _stage(staging_id, Path(path), filename, None, keep=_as_written)
        except PayrollFileError as exc:
            check.errors = [{"field": "file", "message": str(exc)}]
            return check
        check.rows = total
        if total == 0:
            check.errors = [{"field": "file", "message": _("The file has a header but no rows.")}]
            return check
        _resolve(staging_id)
        errors = found.listed() + _sql_errors(staging_id)
        rates, rate_errors = _rates(staging_id)
        errors.extend(rate_errors)
        errors.sort(key=lambda e: (e.get("row") or 0, e.get("field") or ""))
        check.errors = errors
        error_rows = {e["row"] for e in errors if e.get("row")}
        check.groups = _groups(staging_id, rates, error_rows, list(found.kept.values()))
        return check
    finally:
        PayrollRow.objects.filter(job_id=staging_id).delete()
