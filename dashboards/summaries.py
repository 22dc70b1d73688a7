"""Keeping the read models: claim summaries move with each settlement and reversal; snapshots
are recomputed set-based; ``rebuild_all`` recomputes everything from the raw tables.

All SQL here is portable between PostgreSQL and the embedded SQLite (``INSERT … ON CONFLICT …
DO UPDATE`` exists in both); only month truncation differs.
"""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from accounts.models import LedgerEntry, PersonalAccount
from claims.models import Accumulator, Settlement
from enrollment.models import Person
from policies.models import PolicyVersion, Region
from policies.selectors import effective_policy
from staff import sql
from staff.errors import NotFound

from .models import (
    AccountBand,
    AuthorisationCount,
    CapYear,
    CertificationCount,
    ClaimChange,
    ClaimDay,
    ClaimFigures,
    DiseaseMonth,
    InstitutionMonth,
    LedgerMonth,
    PersonsServed,
    SummaryRefresh,
)

CLAIM_SUMMARIES = (ClaimDay, InstitutionMonth, DiseaseMonth)


def _table(model: type[models.Model]) -> str:
    return model._meta.db_table


# --- Claim summaries: an outbox row in the settlement's transaction, folded later -----------


@cache
def _change_sql() -> str:
    fields = [f for f in ClaimChange._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    return f"INSERT INTO {_table(ClaimChange)} ({columns}) VALUES ({sql.placeholders(len(fields))})"


def claim_statements(s: Settlement, region_id: int, sign: int) -> list[tuple[str, list]]:
    """The statement a settlement (sign +1) or its reversal (sign −1) adds to its own write
    batch: one outbox row. Kept as upserts of the summaries themselves, every settlement of a
    region and day waited for the one before it to commit (they all move the same row)."""
    values = {
        "settlements": sign,
        "total_amount": sign * s.total_amount,
        "pool_paid": sign * s.pool_paid,
        "account_paid": sign * s.account_paid,
        "family_account_paid": sign * s.family_account_paid,
        "cash_paid": sign * s.cash_paid,
        "day": s.visit_date,
        "region_id": region_id,
        "institution_id": s.institution_id,
        "benefit": s.benefit,
        "level": s.institution_level,
        "category": s.patient_category,
        "disease_code": s.disease_code or "",
    }
    fields = [f for f in ClaimChange._meta.concrete_fields if not f.primary_key]
    return [(_change_sql(), [values[f.attname] for f in fields])]


FOLD_CHUNK = 20_000
_FOLD_LOCK = 0x6D7574  # pg_advisory_xact_lock key of the fold (one folder at a time)


def _added(model: type[ClaimFigures], columns: list[str], source: str, where: str) -> str:
    """``INSERT … SELECT`` of ``source``'s figures grouped by ``columns``, added to the rows
    already there. ``source`` has ``ClaimChange``'s columns; ``month`` is its ``day``'s month."""
    table = _table(model)
    keys = ", ".join(_month_of("day") if c == "month" else c for c in columns)
    figures = list(ClaimFigures.FIGURES)
    sums = ", ".join(f"SUM({f})" for f in figures)
    added = ", ".join(f"{f} = {table}.{f} + excluded.{f}" for f in figures)
    groups = ", ".join(str(n) for n in range(1, len(columns) + 1))
    return (
        f"INSERT INTO {table} ({', '.join(columns + figures)})"
        f" SELECT {keys}, {sums} FROM {source} WHERE {where or 'TRUE'}"
        f" GROUP BY {groups} ON CONFLICT ({', '.join(columns)}) DO UPDATE SET {added}"
    )


def _fold_targets(source: str, where: str = "") -> list[str]:
    """The claim summaries' statements over rows shaped like ``ClaimChange`` (the pending
    changes when folding, every settlement when rebuilding)."""
    special = "benefit IN ('chronic', 'special')"
    return [
        _added(ClaimDay, ["day", "region_id", "benefit", "level", "category"], source, where),
        _added(
            InstitutionMonth, ["month", "institution_id", "region_id", "category"], source, where
        ),
        _added(
            DiseaseMonth,
            ["month", "region_id", "category", "benefit", "disease_code"],
            source,
            f"{where} AND {special}" if where else special,
        ),
    ]


def _fold_chunk() -> int:
    changes = _table(ClaimChange)
    if connection.vendor == "postgresql":
        # What the DELETE takes is exactly what the INSERTs add: a change committed while the
        # statement runs is not seen by either and waits for the next fold.
        targets = ", ".join(
            f"t{n} AS ({statement})" for n, statement in enumerate(_fold_targets("moved"))
        )
        return sql.rows(
            f"WITH moved AS (DELETE FROM {changes} WHERE id IN (SELECT id FROM {changes}"
            f" ORDER BY id LIMIT %s) RETURNING *), {targets} SELECT COUNT(*) FROM moved",
            [FOLD_CHUNK],
        )[0][0]
    # SQLite runs one writer at a time: nothing commits between these statements.
    (last,) = sql.rows(
        f"SELECT MAX(id) FROM (SELECT id FROM {changes} ORDER BY id LIMIT %s)", [FOLD_CHUNK]
    )[0]
    if last is None:
        return 0
    for statement in _fold_targets(changes, f"id <= {int(last)}"):
        sql.execute(statement, [])
    return sql.execute(f"DELETE FROM {changes} WHERE id <= %s", [last])


def claim_changes_fold(*, wait: bool = True) -> int:
    """Add the pending claim changes to the summaries and delete them, chunk by chunk, each
    chunk one transaction; returns how many were folded. One fold at a time (an advisory lock):
    a second caller waits, or with ``wait=False`` (a page about to read) leaves it to the
    running one."""
    folded = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                if wait:
                    sql.rows("SELECT pg_advisory_xact_lock(%s)", [_FOLD_LOCK])
                elif not sql.rows("SELECT pg_try_advisory_xact_lock(%s)", [_FOLD_LOCK])[0][0]:
                    return folded
            n = _fold_chunk()
        folded += n
        if n < FOLD_CHUNK:
            return folded


# --- Rebuilding claim summaries from the settlements --------------------------------------------


def _month_of(expression: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {expression}) AS date)"
    return f"date({expression}, 'start of month')"


def _local_month_of(timestamp_column: str) -> str:
    """The month of a timestamp in the bureau's time zone (Asia/Shanghai has no DST)."""
    if connection.vendor == "postgresql":
        return _month_of(f"({timestamp_column} AT TIME ZONE '{settings.TIME_ZONE}')")
    offset = datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).utcoffset()
    hours = int(offset.total_seconds() // 3600)
    return f"date({timestamp_column}, '{hours:+d} hours', 'start of month')"


def _rebuild_claims() -> None:
    """The claim summaries from the settlements, by the fold's own statements over the settled
    claims shaped as changes; the pending changes are part of them."""
    settlement, version = _table(Settlement), _table(PolicyVersion)
    settled = (
        "(SELECT s.visit_date AS day, v.region_id, s.institution_id, s.benefit,"
        " s.institution_level AS level, s.patient_category AS category, s.disease_code,"
        " 1 AS settlements, s.total_amount, s.pool_paid, s.account_paid,"
        f" s.family_account_paid, s.cash_paid FROM {settlement} s"
        f" JOIN {version} v ON v.id = s.policy_version_id WHERE s.status = 'settled') c"
    )
    for model in (*CLAIM_SUMMARIES, ClaimChange):
        sql.execute(f"DELETE FROM {_table(model)}", [])
    for statement in _fold_targets(settled):
        sql.execute(statement, [])


# --- Snapshots -----------------------------------------------------------------------------


def _refreshed(name: str) -> None:
    SummaryRefresh.objects.update_or_create(name=name, defaults={"refreshed_at": timezone.now()})


def refresh_ledger(since: date | None) -> None:
    """Ledger entries per month, region and kind, from ``since`` (a month's first day) on, or
    all of them. The ledger is append-only: months before ``since`` cannot change."""
    ledger, account, person = _table(LedgerEntry), _table(PersonalAccount), _table(Person)
    month = _local_month_of("e.created_at")
    where, params = "", []
    if since is not None:
        start = timezone.make_aware(datetime.combine(since, datetime.min.time()))
        where, params = " WHERE e.created_at >= %s", [start]
        sql.execute(f"DELETE FROM {_table(LedgerMonth)} WHERE month >= %s", [since])
    else:
        sql.execute(f"DELETE FROM {_table(LedgerMonth)}", [])
    sql.execute(
        f"INSERT INTO {_table(LedgerMonth)} (month, region_id, kind, entries, amount)"
        f" SELECT {month}, p.region_id, e.kind, COUNT(*), SUM(e.amount) FROM {ledger} e"
        f" JOIN {account} a ON a.id = e.account_id JOIN {person} p ON p.id = a.person_id"
        f"{where} GROUP BY 1, 2, 3",
        params,
    )
    _refreshed("ledger")


def refresh_persons_served(since: date | None) -> None:
    """就诊人数 per month, region and category, from ``since`` (a month's first day) on, or for
    every month. A distinct count cannot be added up from other summaries; kept in each
    settlement's transaction it took three more statements per settlement."""
    settlement, version = _table(Settlement), _table(PolicyVersion)
    month = _month_of("s.visit_date")
    where, params = "", []
    if since is not None:
        where, params = " AND s.visit_date >= %s", [since]
        sql.execute(f"DELETE FROM {_table(PersonsServed)} WHERE month >= %s", [since])
    else:
        sql.execute(f"DELETE FROM {_table(PersonsServed)}", [])
    sql.execute(
        f"INSERT INTO {_table(PersonsServed)} (month, region_id, category, persons)"
        f" SELECT {month}, v.region_id, s.patient_category, COUNT(DISTINCT s.person_id)"
        f" FROM {settlement} s JOIN {version} v ON v.id = s.policy_version_id"
        f" WHERE s.status = 'settled'{where} GROUP BY 1, 2, 3",
        params,
    )
    _refreshed("persons")


def band_case(column: str) -> str:
    """The balance band (``AccountBand.BANDS``) of a balance, as SQL."""
    whens = " ".join(
        f"WHEN {column} <= {edge} THEN {n}" for n, edge in enumerate(AccountBand.EDGES)
    )
    return f"CASE {whens} ELSE {len(AccountBand.EDGES)} END"


def refresh_accounts() -> None:
    """Accounts per region and balance band, with those that had no ledger entry for a year."""
    account, person, ledger = _table(PersonalAccount), _table(Person), _table(LedgerEntry)
    cutoff = timezone.now() - timedelta(days=365)
    sql.execute(f"DELETE FROM {_table(AccountBand)}", [])
    sql.execute(
        f"INSERT INTO {_table(AccountBand)} (region_id, band, accounts, balance, dormant)"
        f" SELECT p.region_id, {band_case('a.balance')}, COUNT(*), SUM(a.balance),"
        f" SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM {ledger} e WHERE e.account_id = a.id"
        " AND e.created_at >= %s) THEN 1 ELSE 0 END)"
        f" FROM {account} a JOIN {person} p ON p.id = a.person_id GROUP BY 1, 2",
        [cutoff],
    )
    _refreshed("accounts")


def _thresholds(document: dict, key: str) -> dict[str, Decimal] | None:
    general = document.get("general_outpatient") or {}
    if key == "deductible" and general.get("deductible_basis") != "annual":
        return None
    value = general.get(key)
    if isinstance(value, str):
        value = {"employee": value, "retiree": value}
    found = {
        rate_class: Decimal(v)
        for rate_class, v in (value or {}).items()
        if v not in (None, "unlimited")
    }
    return found or None


def _rate_class_case(classes) -> str:
    """The rate class of ``p`` as SQL (Shanghai's retirees of 2000 and before have their own)."""
    early = (
        "WHEN p.category = 'retiree' AND p.retirement_date <= '2000-12-31'"
        " THEN 'retiree_before_2001' "
        if "retiree_before_2001" in classes
        else ""
    )
    return f"CASE {early}WHEN p.category = 'retiree' THEN 'retiree' ELSE 'employee' END"


def _count_reaching(column: str, thresholds: dict[str, Decimal] | None, rate_class: str):
    if not thresholds:
        return "NULL", []
    whens = " ".join(["WHEN %s THEN CAST(%s AS NUMERIC)"] * len(thresholds))
    params = [v for item in sorted(thresholds.items()) for v in item]
    return (
        f"SUM(CASE WHEN {column} >= CASE {rate_class} {whens} END THEN 1 ELSE 0 END)",
        params,
    )


def refresh_caps(years: list[int] | None = None) -> None:
    """Per year, region and category: persons with general-outpatient spending, past the
    annual deductible, at the annual cap (the current year, or the given years)."""
    today = timezone.localdate()
    if years is None:
        years = [today.year]
    accumulator, person = _table(Accumulator), _table(Person)
    for year in years:
        sql.execute(f"DELETE FROM {_table(CapYear)} WHERE year = %s", [year])
        on = min(today, date(year, 12, 31))
        for region in Region.objects.all():
            try:  # the effective policy: a pooling area's own values over its framework's
                version = effective_policy(region=region, on_date=on)
            except NotFound:  # none in force that day: the region's latest version before it
                version = (
                    PolicyVersion.objects.filter(
                        region=region, kind="version", effective_from__lte=on
                    )
                    .order_by("-effective_from")
                    .first()
                )
                if version is None:
                    continue
            deductible = _thresholds(version.document, "deductible")
            cap = _thresholds(version.document, "annual_cap")
            classes = set(deductible or {}) | set(cap or {})
            rate_class = _rate_class_case(classes)
            past, past_params = _count_reaching("a.deductible_used", deductible, rate_class)
            reached, cap_params = _count_reaching("a.pooled", cap, rate_class)
            sql.execute(
                f"INSERT INTO {_table(CapYear)} (year, region_id, category, persons,"
                " past_deductible, reached_cap)"
                f" SELECT %s, %s, p.category, COUNT(*), {past}, {reached}"
                f" FROM {accumulator} a JOIN {person} p ON p.id = a.person_id"
                " WHERE a.year = %s AND a.bucket = 'general_outpatient' AND p.region_id = %s"
                " AND (a.deductible_used > 0 OR a.pooled > 0) GROUP BY p.category",
                [year, region.pk, *past_params, *cap_params, year, region.pk],
            )
    _refreshed("caps")


def refresh_counts() -> None:
    """Active authorisations per region and relation; certifications per region, disease and
    status (both tables are small next to claims, but a page should not scan them)."""
    from claims.models import ChronicCertification, Disease
    from family_sharing.models import SharingAuthorisation

    person = _table(Person)
    sql.execute(f"DELETE FROM {_table(AuthorisationCount)}", [])
    sql.execute(
        f"INSERT INTO {_table(AuthorisationCount)} (region_id, relation, active)"
        f" SELECT p.region_id, a.relation, COUNT(*) FROM {_table(SharingAuthorisation)} a"
        f" JOIN {person} p ON p.id = a.holder_id WHERE a.status = 'active' GROUP BY 1, 2",
        [],
    )
    sql.execute(f"DELETE FROM {_table(CertificationCount)}", [])
    sql.execute(
        f"INSERT INTO {_table(CertificationCount)} (region_id, disease_code, disease_name,"
        " status, certifications) SELECT p.region_id, d.code, d.name, c.status, COUNT(*)"
        f" FROM {_table(ChronicCertification)} c JOIN {_table(Disease)} d ON d.id = c.disease_id"
        f" JOIN {person} p ON p.id = c.person_id GROUP BY 1, 2, 3, 4",
        [],
    )
    _refreshed("counts")


@transaction.atomic
def snapshots_refresh() -> None:
    """The periodic job: persons served over the last 13 months (a reversal may reach back a
    year), the ledger's last two months, the accounts, this year's caps."""
    first = timezone.localdate().replace(day=1)
    refresh_persons_served(date(first.year - 1, first.month, 1))
    refresh_ledger((first - timedelta(days=1)).replace(day=1))
    refresh_accounts()
    refresh_caps()
    refresh_counts()


@transaction.atomic
def rebuild_all() -> None:
    """Every read model recomputed from the raw tables. Settlements and reversals wait for it
    (the settlements table is share-locked), so the claim summaries are exact when it ends."""
    if connection.vendor == "postgresql":
        sql.rows("SELECT pg_advisory_xact_lock(%s)", [_FOLD_LOCK])  # no fold half-way
        sql.execute(f"LOCK TABLE {_table(Settlement)} IN SHARE MODE", [])
    _rebuild_claims()
    refresh_persons_served(None)
    refresh_ledger(None)
    refresh_accounts()
    refresh_counts()
    years = sorted(set(Accumulator.objects.values_list("year", flat=True).distinct()))
    sql.execute(f"DELETE FROM {_table(CapYear)}", [])
    refresh_caps(years or None)
    if connection.vendor == "postgresql":
        # Rewritten wholesale: plan the pages' reads on the new contents, not the old ones.
        for model in (*CLAIM_SUMMARIES, PersonsServed, LedgerMonth, AccountBand, CapYear):
            sql.execute(f"ANALYZE {_table(model)}", [])
