"""Year-end close (年度结转): one ``AnnualStatement`` per account, set-based, idempotent.

Balances carry over untouched (the ledger is continuous); the statement records the year's
opening balance, credits and debits by kind (entries booked in that calendar year, Beijing
time) and the closing balance. ``(account, year)`` is unique, so rerunning, or a worker dying
half-way and the task being redelivered, writes each statement once. Pooled amounts and
deductible used come from the claims accumulators through ``register_statement_figures``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from .crediting import id_list
from .models import AnnualStatement, ClosedYear

CHUNK = 5000

# figures(year, account_ids) -> {account_id: (pooled_paid, deductible_used)}
_FIGURES: list[Callable] = []


def register_statement_figures(provider: Callable) -> None:
    _FIGURES.append(provider)


def _bounds(year: int) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings.TIME_ZONE)
    return datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz)


STATEMENT_SQL = """
INSERT INTO accounts_annualstatement
    (account_id, year, opening_balance, payroll_credits, retiree_credits, claim_debits,
     shared_debits, premium_debits, other_movements, closing_balance, pooled_paid,
     deductible_used, created_at)
SELECT s.id, %s, s.opening, s.payroll, s.retiree, s.claims, s.shared, s.premiums, s.other,
       s.opening + s.net, 0, 0, %s
FROM (
    SELECT a.id AS id,
        COALESCE((SELECT e2.balance_after FROM accounts_ledgerentry e2
                  WHERE e2.account_id = a.id AND e2.created_at < %s
                  ORDER BY e2.created_at DESC, e2.id DESC LIMIT 1), 0) AS opening,
        COALESCE(SUM(CASE WHEN e.kind = 'payroll_credit' THEN e.amount END), 0) AS payroll,
        COALESCE(SUM(CASE WHEN e.kind = 'retiree_credit' THEN e.amount END), 0) AS retiree,
        COALESCE(-SUM(CASE WHEN e.kind = 'claim_debit' THEN e.amount END), 0) AS claims,
        COALESCE(-SUM(CASE WHEN e.kind = 'shared_debit' THEN e.amount END), 0) AS shared,
        COALESCE(-SUM(CASE WHEN e.kind = 'premium_debit' THEN e.amount END), 0) AS premiums,
        COALESCE(SUM(CASE WHEN e.kind IN ('refund', 'reversal', 'adjustment', 'transfer_out')
                          THEN e.amount END), 0) AS other,
        COALESCE(SUM(e.amount), 0) AS net
    FROM accounts_personalaccount a
    LEFT JOIN accounts_ledgerentry e
        ON e.account_id = a.id AND e.created_at >= %s AND e.created_at < %s
    WHERE a.id {in_ids}
    GROUP BY a.id
) s
WHERE 1 = 1
ON CONFLICT (account_id, year) DO NOTHING
"""


def year_end_close(*, year: int, progress=None, chunk_size: int = CHUNK) -> dict:
    start, end = _bounds(year)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COALESCE(MAX(id), 0) FROM accounts_personalaccount "
            "WHERE opened_at < %s",
            [end],
        )
        total, max_id = cursor.fetchone()
    if progress is not None:
        progress.set_total(total)
    written, after = 0, 0
    while after < max_id:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM accounts_personalaccount WHERE id > %s AND opened_at < %s "
                "ORDER BY id LIMIT %s",
                [after, end, chunk_size],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            break
        in_ids, id_params = id_list(ids)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                STATEMENT_SQL.format(in_ids=in_ids),
                [year, timezone.now(), start, start, end, *id_params],
            )
            inserted = max(cursor.rowcount, 0)
            written += inserted
            for provider in _FIGURES:
                for account_id, (pooled, deductible) in provider(year, ids).items():
                    AnnualStatement.objects.filter(account_id=account_id, year=year).update(
                        pooled_paid=pooled, deductible_used=deductible
                    )
        after = ids[-1]
        if progress is not None:
            progress.advance(len(ids))
    closed, created = ClosedYear.objects.get_or_create(year=year, defaults={"accounts": total})
    return {
        "year": year,
        "accounts": total,
        "statements_written": written,
        "already_closed": not created,
    }
