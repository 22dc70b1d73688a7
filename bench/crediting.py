"""Monthly retiree crediting of N accounts: the job against a hand-written single-statement SQL
baseline doing the same inserts and balance updates, on the same database, in the same run.

    .venv/bin/python bench/crediting.py [N]        (default 1,000,000)
"""

import sys

from _setup import Timer, django_setup

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000


def generate(n: int) -> None:
    """n Wuhan retirees with accounts, set-based (ID numbers unique, not checksummed: the
    generator bypasses registration on purpose)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM policies_region WHERE code = '420100'")
        region = cursor.fetchone()[0]
        cursor.execute(
            """
            INSERT INTO enrollment_person (id_number, name, region_id, scheme, category,
                employment, employer_id, contribution_base, retirement_date, benefits_from,
                status, birth_date, gender, created_at, updated_at)
            SELECT '4201' || lpad(g::text, 14, '0'), '退休职工', %s, 'employee', 'retiree',
                   'employer', NULL, NULL, DATE '2015-06-30', DATE '2015-07-01', 'active',
                   DATE '1950-01-01' + (g %% 3650),
                   CASE WHEN g %% 2 = 0 THEN 'female' ELSE 'male' END, now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [region, n],
        )
        cursor.execute(
            """INSERT INTO accounts_personalaccount (person_id, balance, opened_at)
               SELECT id, 0, now() FROM enrollment_person"""
        )
        cursor.execute("ANALYZE")


BASELINE = """
WITH ins AS (
    INSERT INTO accounts_ledgerentry (account_id, kind, amount, balance_after, period,
        contribution_base, reference, memo, created_by_id, created_at)
    SELECT a.id, 'retiree_credit', 83.00, a.balance + 83.00, %s, NULL, 'baseline', '', NULL, now()
    FROM accounts_personalaccount a JOIN enrollment_person p ON p.id = a.person_id
    WHERE p.region_id = %s AND p.scheme = 'employee' AND p.category = 'retiree'
      AND p.status <> 'suspended' AND p.retirement_date < %s
    ON CONFLICT (account_id, kind, period)
        WHERE kind IN ('payroll_credit', 'retiree_credit') DO NOTHING
    RETURNING account_id, amount
)
UPDATE accounts_personalaccount a SET balance = a.balance + ins.amount
FROM ins WHERE a.id = ins.account_id
"""


def main() -> None:
    django_setup()
    from datetime import date

    from django.db import connection, transaction

    from accounts.crediting import retiree_crediting_run
    from policies.models import Region

    with Timer() as t:
        generate(N)
    print(f"generated {N:,} retirees with accounts in {t.seconds:.1f} s")
    region = Region.objects.get(code="420100").pk
    with Timer() as base, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(BASELINE, ["2030-01", region, date(2030, 1, 1)])
        base_rows = cursor.rowcount
    with Timer() as job:
        report = retiree_crediting_run(period="2030-02")
    with Timer() as rerun:
        again = retiree_crediting_run(period="2030-02")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_personalaccount WHERE balance <> 166.00")
        wrong = cursor.fetchone()[0]
    print(
        f"baseline single statement: {base_rows:,} credited in {base.seconds:.1f} s "
        f"({base_rows / base.seconds:,.0f} accounts/s)"
    )
    print(
        f"crediting job (chunks of 5000): {report.credited:,} credited in {job.seconds:.1f} s "
        f"({report.credited / job.seconds:,.0f} accounts/s)"
    )
    print(f"job / baseline = {job.seconds / base.seconds:.2f}x")
    print(
        f"re-run of the same period: {again.credited} credited, {again.already_credited:,} "
        f"already credited, {rerun.seconds:.1f} s"
    )
    print(f"accounts with a balance other than 166.00: {wrong}")


if __name__ == "__main__":
    main()
