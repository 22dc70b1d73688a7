"""Monthly retiree crediting (退休人员个人账户按月划入): set-based, idempotent, resumable.

For each region, the policy in force on the 1st of the period gives the monthly amount per
birth-date band (``accounts.rules.retiree_bands``). Accounts are taken in primary-key chunks;
for each chunk, in one transaction: lock the chunk's accounts (primary-key order), insert one
``retiree_credit`` entry per eligible account with ``INSERT … SELECT … ON CONFLICT DO NOTHING``
(the unique ``(account, kind, period)`` index makes a second run, or a redelivered task after a
worker died, insert nothing), then move the balances of exactly the rows this statement
inserted (tagged with a one-off reference). A region whose needed parameter is unset is skipped
and reported; nobody is credited a made-up amount.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from policies.models import Region
from policies.params import UnsetParameter
from policies.retirement import retiree_cutoff as retiree_month_rule
from policies.schema import source_for
from policies.selectors import effective_policy
from staff.errors import DomainError, NotFound
from staff.inputs import BadInput
from staff.inputs import parse_period as parse_period_text

from .rules import RetireeBand, no_account_employments, retiree_bands

CHUNK = 5000

ELIGIBLE = """
    FROM accounts_personalaccount a
    JOIN enrollment_person p ON p.id = a.person_id
    WHERE p.region_id = %s AND p.scheme = 'employee' AND p.category = 'retiree'
      AND p.status <> 'suspended' AND p.retirement_date < %s
"""


def parse_period(value: str, *, today: date | None = None) -> date:
    """The period's first day; ASCII digits only (the period is the ledger's text key)."""
    try:
        return parse_period_text(value, field="period", today=today)
    except BadInput as exc:
        raise DomainError(exc.message, field="period") from None


def _band_filter(band: RetireeBand, has_flexible_band: bool) -> tuple[str, list]:
    sql, params = "", []
    if band.flexible:
        sql += " AND p.employment = 'flexible'"
    elif has_flexible_band:
        sql += " AND p.employment <> 'flexible'"
    if band.born_after is not None:
        sql += " AND p.birth_date > %s"
        params.append(band.born_after)
    if band.born_on_or_before is not None:
        sql += " AND p.birth_date <= %s"
        params.append(band.born_on_or_before)
    return sql, params


@dataclass
class RegionPlan:
    region: Region
    cutoff: date
    bands: list[RetireeBand]
    source: str
    # Groups the document leaves to a later rule for the account (Wuhan 第五条): not credited.
    excluded_groups: tuple[str, ...] = ()
    # Employments the document gives no account (``accounts.rules.no_account_employments``):
    # an account kept from before a change of employment is not credited.
    no_account: tuple[str, ...] = ()


_GROUP = re.compile(r"^[a-z0-9_]{1,32}$")


def _eligible(region_plan: RegionPlan) -> str:
    """ELIGIBLE, less the persons of groups the region's document leaves to a later rule and of
    employments it gives no account (the codes come from the schema's enums; checked again
    before they are written into SQL)."""
    sql = ELIGIBLE
    groups = [g for g in region_plan.excluded_groups if _GROUP.match(g)]
    if groups:
        listed = ", ".join(f"'{g}'" for g in groups)
        sql += f"      AND p.rule_group NOT IN ({listed})\n"
    employments = [e for e in region_plan.no_account if _GROUP.match(e)]
    if employments:
        listed = ", ".join(f"'{e}'" for e in employments)
        sql += f"      AND p.employment NOT IN ({listed})\n"
    return sql


@dataclass
class CreditingReport:
    period: str
    credited: int = 0
    already_credited: int = 0
    amount: Decimal = Decimal("0.00")
    regions: dict[str, dict] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)

    def as_result(self) -> dict:
        return {
            "period": self.period,
            "credited": self.credited,
            "already_credited": self.already_credited,
            "amount": f"{self.amount:.2f}",
            "regions": self.regions,
        }


def _has_retirees(region: Region, first: date) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 {ELIGIBLE})", [region.pk, first])  # noqa: S608
        return bool(cursor.fetchone()[0])


def plan(period: str) -> tuple[list[RegionPlan], list[dict]]:
    first = parse_period(period)
    plans, errors = [], []
    for region in Region.objects.order_by("code"):
        try:
            version = effective_policy(region=region, on_date=first)
        except NotFound as exc:
            # A framework without a document of its own (e.g. 云南省 above 玉溪市) has no one
            # to credit: only a region with retirees waiting is reported.
            if _has_retirees(region, first):
                errors.append(
                    {"region": region.code, "region_name": region.name, "message": exc.message}
                )
            continue
        try:
            bands = retiree_bands(version.document, first, region=region.name)
        except UnsetParameter as exc:
            errors.append(
                {
                    "region": region.code,
                    "region_name": region.name,
                    "field": exc.parameter,
                    "message": exc.message,
                }
            )
            continue
        cutoff, unset = retiree_month_rule(first, version.document)
        if unset:
            waiting = _retired_in_month(region, first)
            if waiting:
                source = source_for(version.document, "account.retiree_credit_from") or {}
                errors.append(
                    {
                        "region": region.code,
                        "region_name": region.name,
                        "field": "account.retiree_credit_from",
                        "message": (
                            f"{region.name}：{waiting} 名本月退休人员未划入——政策参数 "
                            f"account.retiree_credit_from 未设定（{source.get('article', '')}）"
                        ),
                    }
                )
        later = version.document.get("later_rule_groups") or {}
        excluded = tuple(sorted(g for g, benefits in later.items() if "account" in benefits))
        for group in excluded:
            waiting = _in_group(region, group, cutoff)
            if waiting:
                source = source_for(version.document, f"later_rule_groups.{group}") or {}
                errors.append(
                    {
                        "region": region.code,
                        "region_name": region.name,
                        "field": f"later_rule_groups.{group}",
                        "message": (
                            f"{region.name}：{waiting} 名退休人员属文件另行制定标准的人群，未划入"
                            f"（{source.get('article', '')}）"
                        ),
                    }
                )
        plans.append(
            RegionPlan(
                region,
                cutoff,
                bands,
                version.source,
                excluded,
                no_account_employments(version.document, category="retiree"),
            )
        )
    return plans, errors


def crediting_backlog() -> list[dict]:
    """Earlier periods a crediting run skipped a region for want of a policy value that its
    effective policy now gives (a fill), with the retirees still waiting for that month."""
    from jobs.models import Job

    skipped: set[tuple[str, str]] = set()
    runs = Job.objects.filter(kind="monthly_crediting", status__in=Job.FINISHED)
    for parameters, errors in runs.values_list("parameters", "errors"):
        for error in errors or []:
            if error.get("region") and error.get("field"):
                skipped.add((str(parameters.get("period", "")), error["region"]))
    found = []
    regions = Region.objects.in_bulk([code for _p, code in skipped], field_name="code")
    for period, code in sorted(skipped):
        region = regions.get(code)
        if region is None:
            continue
        try:
            first = parse_period(period)
        except DomainError:
            continue
        try:
            document = effective_policy(region=region, on_date=first).document
            bands = retiree_bands(document, first, region=region.name)
        except (NotFound, UnsetParameter):
            continue
        cutoff, _unset = retiree_month_rule(first, document)
        later = document.get("later_rule_groups") or {}
        excluded = tuple(sorted(g for g, benefits in later.items() if "account" in benefits))
        region_plan = RegionPlan(
            region,
            cutoff,
            bands,
            "",
            excluded,
            no_account_employments(document, category="retiree"),
        )
        pending = _count_waiting(region_plan, period)
        if pending:
            found.append(
                {"period": period, "region": code, "label": str(region), "pending": pending}
            )
    return found


def _count_waiting(region_plan: RegionPlan, period: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) {_eligible(region_plan)}"  # noqa: S608
            " AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry l"
            " WHERE l.account_id = a.id AND l.kind = 'retiree_credit' AND l.period = %s)",
            [region_plan.region.pk, region_plan.cutoff, period],
        )
        return cursor.fetchone()[0]


def _in_group(region: Region, group: str, cutoff: date) -> int:
    from enrollment.models import Person

    return Person.objects.filter(
        region=region, category="retiree", rule_group=group, retirement_date__lt=cutoff
    ).count()


def _retired_in_month(region: Region, first: date) -> int:
    """Retirees of the region who retired in the month credited (the unset rule's cases)."""
    from enrollment.models import Person

    end = date(first.year + (first.month == 12), 1 if first.month == 12 else first.month + 1, 1)
    return Person.objects.filter(
        region=region, category="retiree", retirement_date__gte=first, retirement_date__lt=end
    ).count()


def _chunk_ids(region_plan: RegionPlan, after: int, size: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.id {_eligible(region_plan)} AND a.id > %s ORDER BY a.id LIMIT %s",  # noqa: S608
            [region_plan.region.pk, region_plan.cutoff, after, size],
        )
        return [row[0] for row in cursor.fetchall()]


def pg_array(ids: list[int]) -> str:
    """An int array literal: much cheaper for the driver to send than a list of 5000 ints."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def id_list(ids: list[int]) -> tuple[str, list]:
    """``= ANY(%s)`` with one array on PostgreSQL, ``IN (%s, …)`` on SQLite. Naming the chunk's
    ids (not a range) lets the planner drive the join from the accounts' primary keys instead of
    scanning every person for every chunk."""
    if connection.vendor == "postgresql":
        return "= ANY(%s::bigint[])", [pg_array(ids)]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


PG_CHUNK_SQL = """
WITH locked AS (
    SELECT a.id, a.balance, {amount} AS amount
    {eligible} AND a.id = ANY(%s::bigint[])
      AND NOT EXISTS (SELECT 1 FROM accounts_ledgerentry l WHERE l.account_id = a.id
                      AND l.kind = 'retiree_credit' AND l.period = %s
                      AND l.account_id BETWEEN %s AND %s)
    ORDER BY a.id
    FOR UPDATE OF a
), ins AS (
    INSERT INTO accounts_ledgerentry
        (account_id, kind, amount, balance_after, period, contribution_base, reference, memo,
         created_by_id, created_at)
    SELECT id, 'retiree_credit', amount, balance + amount, %s, NULL, %s, %s, NULL, %s
    FROM locked WHERE amount IS NOT NULL
    ON CONFLICT (account_id, kind, period)
        WHERE kind IN ('payroll_credit', 'retiree_credit') DO NOTHING
    RETURNING account_id, amount
), upd AS (
    UPDATE accounts_personalaccount a SET balance = a.balance + ins.amount
    FROM ins WHERE a.id = ins.account_id
    RETURNING ins.amount
)
SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM upd
"""


def _amount_case(bands: list[RetireeBand]) -> tuple[str, list]:
    """The monthly amount of each account as one CASE over the region's bands."""
    sql, params = "CASE", []
    for band in sorted(bands, key=lambda b: not b.flexible):
        conditions = []
        if band.flexible:
            conditions.append("p.employment = 'flexible'")
        if band.born_after is not None:
            conditions.append("p.birth_date > %s")
            params.append(band.born_after)
        if band.born_on_or_before is not None:
            conditions.append("p.birth_date <= %s")
            params.append(band.born_on_or_before)
        sql += f" WHEN {' AND '.join(conditions) or 'TRUE'} THEN %s::numeric"
        params.append(band.monthly)
    return sql + " END", params


def _credit_chunk_pg(region_plan: RegionPlan, period: str, ids: list[int]) -> tuple[int, Decimal]:
    """PostgreSQL: one statement per chunk, driven by the chunk's account ids. Accounts not yet
    credited are locked (``FOR UPDATE`` returns their latest balance, so ``balance_after`` is
    right under concurrent settlements); the unique index arbitrates between two runs racing on
    the same chunk; only the rows this statement inserted move a balance."""
    reference = f"retiree-crediting:{period}:{uuid.uuid4().hex[:12]}"
    amount_sql, amount_params = _amount_case(region_plan.bands)
    rules = ", ".join(sorted({b.rule for b in region_plan.bands}))[:200]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            PG_CHUNK_SQL.format(amount=amount_sql, eligible=_eligible(region_plan)),
            [
                *amount_params,
                region_plan.region.pk,
                region_plan.cutoff,
                pg_array(ids),
                period,
                ids[0],
                ids[-1],
                period,
                reference,
                rules,
                timezone.now(),
            ],
        )
        count, amount = cursor.fetchone()
    return count, Decimal(amount).quantize(Decimal("0.01"))


def _credit_chunk(region_plan: RegionPlan, period: str, ids: list[int]) -> tuple[int, Decimal]:
    """One transaction: lock, insert the credits, move the balances. Returns (count, amount)."""
    if connection.vendor == "postgresql":
        return _credit_chunk_pg(region_plan, period, ids)
    reference = f"retiree-crediting:{period}:{uuid.uuid4().hex[:12]}"
    has_flexible = any(b.flexible for b in region_plan.bands)
    now = timezone.now()
    inserted = 0
    in_ids, id_params = id_list(ids)
    with transaction.atomic(), connection.cursor() as cursor:
        lock = "FOR UPDATE" if connection.vendor == "postgresql" else ""
        cursor.execute(
            f"SELECT id FROM accounts_personalaccount WHERE id {in_ids} ORDER BY id {lock}",  # noqa: S608
            id_params,
        )
        cursor.fetchall()
        for band in region_plan.bands:
            extra, extra_params = _band_filter(band, has_flexible)
            cursor.execute(
                f"""
                INSERT INTO accounts_ledgerentry
                    (account_id, kind, amount, balance_after, period, contribution_base,
                     reference, memo, created_by_id, created_at)
                SELECT a.id, 'retiree_credit', %s, a.balance + %s, %s, NULL, %s, %s, NULL, %s
                {_eligible(region_plan)} AND a.id {in_ids} {extra}
                ON CONFLICT (account_id, kind, period)
                    WHERE kind IN ('payroll_credit', 'retiree_credit') DO NOTHING
                """,  # noqa: S608 - only our own fragments are formatted in
                [
                    band.monthly,
                    band.monthly,
                    period,
                    reference,
                    band.rule[:200],
                    now,
                    region_plan.region.pk,
                    region_plan.cutoff,
                    *id_params,
                    *extra_params,
                ],
            )
            inserted += max(cursor.rowcount, 0)
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                UPDATE accounts_personalaccount a SET balance = a.balance + e.amount
                FROM accounts_ledgerentry e WHERE e.reference = %s AND e.account_id = a.id
                """,
                [reference],
            )
        else:
            cursor.execute(
                """
                UPDATE accounts_personalaccount SET balance = balance + (
                    SELECT e.amount FROM accounts_ledgerentry e
                    WHERE e.reference = %s AND e.account_id = accounts_personalaccount.id)
                WHERE id IN (SELECT account_id FROM accounts_ledgerentry WHERE reference = %s)
                """,
                [reference, reference],
            )
        cursor.execute(
            "SELECT COALESCE(SUM(amount), 0) FROM accounts_ledgerentry WHERE reference = %s",
            [reference],
        )
        total = Decimal(str(cursor.fetchone()[0])).quantize(Decimal("0.01"))
    return inserted, total


def _count(region_plan: RegionPlan) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) {_eligible(region_plan)}",  # noqa: S608
            [region_plan.region.pk, region_plan.cutoff],
        )
        return cursor.fetchone()[0]


def retiree_crediting_run(
    *, period: str, progress=None, chunk_size: int = CHUNK
) -> CreditingReport:
    """Credit every eligible retiree for ``period`` exactly once (see the module docstring)."""
    plans, errors = plan(period)
    report = CreditingReport(period=period, errors=errors)
    counts = {p.region.code: _count(p) for p in plans}
    if progress is not None:
        progress.set_total(sum(counts.values()))
        for error in errors:
            progress.error(
                error["message"],
                region=error["region"],
                region_name=error.get("region_name"),
                field=error.get("field"),
            )
    for region_plan in plans:
        code = region_plan.region.code
        summary = {
            "eligible": counts[code],
            "credited": 0,
            "amount": "0.00",
            "monthly": sorted({f"{b.monthly:.2f}" for b in region_plan.bands}),
        }
        after, amount = 0, Decimal("0.00")
        while True:
            ids = _chunk_ids(region_plan, after, chunk_size)
            if not ids:
                break
            inserted, total = _credit_chunk(region_plan, period, ids)
            summary["credited"] += inserted
            amount += total
            after = ids[-1]
            if progress is not None:
                progress.advance(len(ids))
        summary["amount"] = f"{amount:.2f}"
        report.regions[code] = summary
        report.credited += summary["credited"]
        report.amount += amount
    report.already_credited = sum(counts.values()) - report.credited
    return report
