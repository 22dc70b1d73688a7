"""A realistic bureau for the dashboards: 1,000,000 persons across the seven seeded regions,
5,000,000 settled claims over two years, family sharing, payroll and retiree credits, loaded with
``COPY``; then ``rebuild_summaries``, then each dashboard page's server time (median of 20) next
to the raw ``GROUP BY`` over the raw tables for the same figures.

    .venv/bin/python bench/dashboard_pages.py [PERSONS] [CLAIMS]     (default 1000000 5000000)

Set ``BENCH_KEEP=1`` to reuse an already loaded ``bench_dashboards`` database (timings only).
"""

import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta

from _setup import SERVER, Timer, django_setup

DATABASE = "bench_dashboards"
PERSONS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
CLAIMS = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000
KEEP = os.environ.get("BENCH_KEEP") == "1"
PAGE_RUNS, RAW_RUNS = 20, 5
TODAY = date(2026, 11, 24)  # fixed, so that every run builds the same bureau
FIRST_DAY = date(2024, 11, 25)  # two years of claims up to TODAY
CHUNK = 200_000

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宁海燕云峰"
EXPLANATION = (
    '[{"rule": "deductible", "article": "第五条", "text": "年度起付线已计入"},'
    ' {"rule": "pool_ratio", "article": "第六条", "text": "统筹基金按比例支付"}]'
)


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class Copier:
    """Rows streamed into ``COPY … FROM STDIN`` (text format) a block at a time."""

    def __init__(self, conn, table: str, columns: list[str]):
        self.cursor = conn.cursor()
        self.manager = self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
        self.copy = self.manager.__enter__()
        self.buffer: list[str] = []
        self.rows = 0

    def add(self, *values) -> None:
        self.buffer.append("\t".join(r"\N" if v is None else str(v) for v in values))
        self.rows += 1
        if len(self.buffer) >= 20_000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.copy.write("\n".join(self.buffer) + "\n")
            self.buffer = []

    def close(self) -> int:
        self.flush()
        self.manager.__exit__(None, None, None)
        self.cursor.close()
        return self.rows


def secondary_indexes(conn, table: str) -> list[tuple[str, str]]:
    """Indexes that back no constraint: dropped for the load, built again after (as
    ``pg_restore`` does)."""
    return conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND i.indexrelid NOT IN"
        " (SELECT conindid FROM pg_constraint WHERE conindid <> 0)",
        [table],
    ).fetchall()


def load(url: str) -> dict:
    import psycopg
    from psycopg import sql

    rng = random.Random(20261124)
    from enrollment.id_numbers import make

    times = {}
    with psycopg.connect(url, autocommit=True) as conn, psycopg.connect(url) as side:
        conn.execute("SET session_replication_role = replica")  # generated ids are consistent
        side.execute("SET session_replication_role = replica")
        tables = [
            "enrollment_person",
            "accounts_personalaccount",
            "accounts_ledgerentry",
            "claims_settlement",
            "claims_accumulator",
            "family_sharing_sharingauthorisation",
            "claims_chroniccertification",
        ]
        dropped = []
        for table in tables:
            for name, definition in secondary_indexes(conn, table):
                conn.execute(f"DROP INDEX {name}")
                dropped.append(definition)
        # Regions with a policy of their own (frameworks without a document have no claims).
        regions = conn.execute(
            "SELECT id, code FROM policies_region WHERE id IN"
            " (SELECT region_id FROM policies_policyversion) ORDER BY id"
        ).fetchall()
        versions: dict[int, list[tuple[date, int]]] = {}
        for region_id, effective_from, version_id in conn.execute(
            "SELECT region_id, effective_from, id FROM policies_policyversion"
            " WHERE kind = 'version' ORDER BY 1, 2"
        ):
            versions.setdefault(region_id, []).append((effective_from, version_id))
        diseases, disease_kind = {}, {}
        for code, pk, kind in conn.execute("SELECT code, id, kind FROM claims_disease"):
            diseases[code], disease_kind[code] = pk, kind
        stamp = "2024-01-01 09:00:00+08"

        # Employers and institutions: 700 employers and 300 institutions per region.
        t = time.perf_counter()
        employers = Copier(
            conn, "enrollment_employer", ["id", "code", "name", "region_id", "created_at"]
        )
        employers_of, institutions_of, level_of = {}, {}, {}
        for r, (region_id, _code) in enumerate(regions):
            employers_of[region_id] = range(r * 700 + 1, r * 700 + 701)
            for e in employers_of[region_id]:
                employers.add(e, f"BE{e:06d}", f"基准单位{e}", region_id, stamp)
        employers.close()
        institutions = Copier(
            conn,
            "enrollment_institution",
            ["id", "code", "name", "kind", "level", "designated", "region_id", "created_at"],
        )
        for r, (region_id, code) in enumerate(regions):
            institutions_of[region_id] = range(r * 300 + 1, r * 300 + 301)
            for n, i in enumerate(institutions_of[region_id]):
                kind = "pharmacy" if n % 3 == 2 else "hospital"
                level = None if kind == "pharmacy" else ("1", "1", "2", "3")[n % 4]
                level_of[i] = "pharmacy" if kind == "pharmacy" else level
                name = f"{code}{'药店' if kind == 'pharmacy' else '医院'}{i}"
                institutions.add(i, f"BI{i:06d}", name, kind, level, "t", region_id, stamp)
        institutions.close()

        # Persons (3 in 4 employees), one personal account each, four credits each.
        persons = Copier(
            conn,
            "enrollment_person",
            [
                "id", "id_number", "name", "scheme", "category", "employment",
                "contribution_base", "retirement_date", "benefits_from", "status", "birth_date",
                "gender", "created_at", "updated_at", "employer_id", "region_id",
            ],
        )  # fmt: skip
        region_of, category_of, members_of = [0] * (PERSONS + 1), [""] * (PERSONS + 1), {}
        credits = []
        for p in range(1, PERSONS + 1):
            r = p % len(regions)
            region_id, code = regions[r]
            region_of[p] = region_id
            members_of.setdefault(region_id, []).append(p)
            retiree = p % 4 == 0
            born = date(1940 if retiree else 1966, 1, 1) + timedelta(days=(p * 7919) % 9000)
            sequence = (p // 9000) % 999 + 1
            category = "retiree" if retiree else "employee"
            category_of[p] = category
            persons.add(
                p,
                make(code, born, sequence),
                rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "employee",
                category,
                "employer",
                None if retiree else money(rng.randrange(400_000, 2_000_000)),
                date(born.year + 60, born.month, 1) if retiree else None,
                "2015-01-01",
                "active",
                born,
                "male" if sequence % 2 else "female",
                stamp,
                stamp,
                None if retiree else employers_of[region_id][p % 700],
                region_id,
            )
            credits.append((p, retiree))
        times["persons"] = persons.close()
        accounts = Copier(
            conn, "accounts_personalaccount", ["id", "balance", "opened_at", "person_id"]
        )
        for p in range(1, PERSONS + 1):
            balance = 0 if p % 23 == 0 else rng.randrange(0, 2_000_000)
            accounts.add(p, money(balance), stamp, p)
        accounts.close()
        ledger = Copier(
            side,
            "accounts_ledgerentry",
            [
                "kind", "amount", "balance_after", "period", "contribution_base", "reference",
                "memo", "created_at", "account_id", "member_id", "sharing_authorisation_id",
            ],
        )  # fmt: skip
        for p, retiree in credits:
            for month in ("2025-01", "2025-07", "2026-01", "2026-07"):
                amount = rng.randrange(5_000, 40_000)
                ledger.add(
                    "retiree_credit" if retiree else "payroll_credit",
                    money(amount),
                    money(amount * 4),
                    month,
                    None,
                    "",
                    "",
                    f"{month}-01 02:00:00+08",
                    p,
                    None,
                    None,
                )
        del credits

        # Family sharing: 100,000 authorisations within a region (holder pays for a relative).
        sharing = Copier(
            conn,
            "family_sharing_sharingauthorisation",
            [
                "id", "relation", "proof_kind", "proof_number", "valid_from", "valid_to",
                "status", "granted_at", "reason", "holder_id", "member_id",
            ],
        )  # fmt: skip
        authorisation_of = {}
        for a in range(1, PERSONS // 10 + 1):
            region_id = regions[a % len(regions)][0]
            pool = members_of[region_id]
            holder = pool[(a * 31) % len(pool)]
            member = pool[(a * 31 + 1) % len(pool)]
            relation = ("spouse", "parent", "child")[a % 3]
            status = "revoked" if a % 17 == 0 else "active"
            sharing.add(
                a, relation, "household_register", f"HR{a:08d}", "2024-06-01", None, status,
                stamp, "", holder, member,
            )  # fmt: skip
            if status == "active":
                authorisation_of[member] = (a, holder)
            if a % 2 == 0:  # premiums paid from the holder's account for the relative
                ledger.add(
                    "premium_debit", "-" + money(38_000), money(100_000), "", None, "", "",
                    f"2026-0{1 + a % 9}-15 10:00:00+08", holder, member, a,
                )  # fmt: skip
        sharing.close()

        # Chronic and special-disease certifications.
        certifications = Copier(
            conn,
            "claims_chroniccertification",
            ["valid_from", "status", "reason", "created_at", "person_id", "disease_id"],
        )
        codes = sorted(diseases)
        statuses = ("approved",) * 7 + ("applied", "rejected", "revoked")
        # Who may make a chronic or special claim: a person with an approved certification of
        # a disease of that kind (the settlement refuses the others), by region and kind.
        certified: dict[tuple[int, str], list[tuple[int, str]]] = {}
        for c in range(1, PERSONS // 20 + 1):
            p, code = (c * 37) % PERSONS + 1, codes[c % len(codes)]
            certifications.add(
                "2024-01-01", statuses[c % 10], "", stamp, p, diseases[code],
            )  # fmt: skip
            if statuses[c % 10] == "approved":
                certified.setdefault((region_of[p], disease_kind[code]), []).append((p, code))
        certifications.close()
        times["load_people"] = time.perf_counter() - t

        # Claims: 5,000,000 settlements over two years, their account debits.
        t = time.perf_counter()
        settlements = Copier(
            conn,
            "claims_settlement",
            [
                "claim_number", "visit_date", "benefit", "disease_code", "out_of_region_filed",
                "use_account", "total_amount", "self_pay_amount", "class_b_amount",
                "policy_amount", "first_pay_amount", "deductible_applied", "pool_paid",
                "account_paid", "family_account_paid", "cash_paid", "deductible_bucket",
                "explanation", "status", "request_hash", "created_at", "reversed_at",
                "account_holder_id", "institution_id", "person_id", "policy_version_id",
                "sharing_authorisation_id", "institution_level", "patient_category",
                "prescribing_institution_id",
            ],
        )  # fmt: skip
        days = (TODAY - FIRST_DAY).days + 1
        chronic_codes = ("I10", "E11", "I25")
        special_codes = ("N18", "F20")
        for n in range(CLAIMS):
            p = rng.randrange(1, PERSONS + 1)
            region_id = region_of[p]
            institution = institutions_of[region_id][rng.randrange(300)]
            visit = FIRST_DAY + timedelta(days=rng.randrange(days))
            draw = rng.random()
            if draw < 0.85:
                benefit, disease, ratio = "general_outpatient", "", 0.5
            elif draw < 0.95:
                benefit, disease, ratio = "chronic", chronic_codes[n % 3], 0.7
            else:
                benefit, disease, ratio = "special", special_codes[n % 2], 0.8
            if benefit != "general_outpatient":
                # A chronic or special claim is a certified patient's, for the certified disease
                # (the settlement refuses any other): one of the region's certified persons.
                pool = certified.get((region_id, benefit))
                if pool:
                    p, disease = pool[rng.randrange(len(pool))]
            # A pharmacy claim carries its prescription's hospital (外配处方, 双通道).
            prescribing = (
                institutions_of[region_id][rng.randrange(100) * 3]
                if level_of[institution] == "pharmacy"
                else None
            )
            total = int(rng.lognormvariate(5.0, 0.8) * 100) + 500
            self_pay = total // 20
            policy = total - self_pay
            deductible = 0 if rng.random() < 0.7 else min(policy, rng.randrange(0, 20_000))
            pool = int((policy - deductible) * ratio)
            rest = total - pool
            shared = authorisation_of.get(p) if rng.random() < 0.3 else None
            account = rest * 6 // 10 if rng.random() < 0.6 else 0
            family = account if shared else 0
            account = 0 if shared else account
            cash = rest - account - family
            effective = [v for f, v in versions[region_id] if f <= visit]
            reversed_ = n % 100 == 0
            created = f"{visit} 10:00:00+08"
            settlements.add(
                f"BC{n:09d}", visit, benefit, disease, "f", "t", money(total), money(self_pay),
                "0.00", money(policy), "0.00", money(deductible), money(pool), money(account),
                money(family), money(cash), benefit, EXPLANATION,
                "reversed" if reversed_ else "settled", f"{n:064x}", created,
                created if reversed_ else None, shared[1] if shared else None, institution, p,
                effective[-1], shared[0] if shared else None, level_of[institution],
                category_of[p], prescribing,
            )  # fmt: skip
            if account or family:
                holder = shared[1] if shared else p
                ledger.add(
                    "shared_debit" if shared else "claim_debit",
                    "-" + money(account or family), money(10_000), "", None, "", "", created,
                    holder, p if shared else None, shared[0] if shared else None,
                )  # fmt: skip
        times["claims"] = settlements.close()
        times["ledger"] = ledger.close()
        side.commit()
        times["load_claims"] = time.perf_counter() - t

        # Year-to-date accumulators: general outpatient, both years, for every person.
        t = time.perf_counter()
        accumulators = Copier(
            conn,
            "claims_accumulator",
            ["year", "bucket", "deductible_used", "pooled", "person_id"],
        )
        for p in range(1, PERSONS + 1):
            for year in (2025, 2026):
                accumulators.add(
                    year, "general_outpatient", money(rng.randrange(0, 180_000)),
                    money(rng.randrange(0, 400_000)), p,
                )  # fmt: skip
        accumulators.close()
        for definition in dropped:
            conn.execute(definition)
        for table in tables + ["enrollment_employer", "enrollment_institution"]:
            conn.execute(
                sql.SQL(
                    "SELECT setval(pg_get_serial_sequence(%s, 'id'),"
                    " (SELECT COALESCE(MAX(id), 1) FROM {}))"
                ).format(sql.Identifier(table)),
                [table],
            )
        conn.execute("VACUUM ANALYZE")
        times["indexes_vacuum"] = time.perf_counter() - t
    return times


def median_ms(fn, runs: int) -> float:
    fn()  # warm: plans and caches, as on a server that has served the page before
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


RAW = {
    # The same figures as each page, computed from the raw tables (12 months up to TODAY).
    "fund": [
        "SELECT date_trunc('month', s.visit_date), COUNT(*), COUNT(DISTINCT s.person_id),"
        " SUM(s.total_amount), SUM(s.pool_paid), SUM(s.account_paid),"
        " SUM(s.family_account_paid), SUM(s.cash_paid) FROM claims_settlement s"
        " WHERE s.status = 'settled' AND s.visit_date >= %(start)s AND s.visit_date < %(end)s"
        " GROUP BY 1",
        "SELECT s.benefit, s.institution_level, COUNT(*), SUM(s.total_amount), SUM(s.pool_paid)"
        " FROM claims_settlement s WHERE s.status = 'settled' AND s.visit_date >= %(start)s"
        " AND s.visit_date < %(end)s GROUP BY 1, 2",
    ],
    "accounts": [
        "SELECT date_trunc('month', e.created_at), e.kind, COUNT(*), SUM(e.amount)"
        " FROM accounts_ledgerentry e WHERE e.created_at >= %(start)s AND e.created_at < %(end)s"
        " GROUP BY 1, 2",
        "SELECT CASE WHEN a.balance <= 0 THEN 0 WHEN a.balance <= 100 THEN 1"
        " WHEN a.balance <= 500 THEN 2 WHEN a.balance <= 1000 THEN 3 WHEN a.balance <= 2000"
        " THEN 4 WHEN a.balance <= 5000 THEN 5 WHEN a.balance <= 10000 THEN 6 ELSE 7 END,"
        " COUNT(*), SUM(a.balance), SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM accounts_ledgerentry"
        " e WHERE e.account_id = a.id AND e.created_at >= %(year_ago)s) THEN 1 ELSE 0 END)"
        " FROM accounts_personalaccount a GROUP BY 1",
    ],
    "sharing": [
        "SELECT relation, COUNT(*) FROM family_sharing_sharingauthorisation"
        " WHERE status = 'active' GROUP BY 1",
        "SELECT date_trunc('month', e.created_at), e.kind, COUNT(*), SUM(e.amount)"
        " FROM accounts_ledgerentry e WHERE e.kind IN ('shared_debit', 'premium_debit')"
        " AND e.created_at >= %(start)s AND e.created_at < %(end)s GROUP BY 1, 2",
    ],
    "caps": [
        "SELECT p.region_id, p.category, COUNT(*), SUM(CASE WHEN a.deductible_used >= 700"
        " THEN 1 ELSE 0 END), SUM(CASE WHEN a.pooled >= 3000 THEN 1 ELSE 0 END)"
        " FROM claims_accumulator a JOIN enrollment_person p ON p.id = a.person_id"
        " WHERE a.year = 2026 AND a.bucket = 'general_outpatient'"
        " AND (a.deductible_used > 0 OR a.pooled > 0) GROUP BY 1, 2",
    ],
    "chronic": [
        "SELECT d.code, c.status, COUNT(*) FROM claims_chroniccertification c"
        " JOIN claims_disease d ON d.id = c.disease_id GROUP BY 1, 2",
        "SELECT s.disease_code, s.benefit, COUNT(*), SUM(s.total_amount), SUM(s.pool_paid)"
        " FROM claims_settlement s WHERE s.status = 'settled' AND s.benefit IN"
        " ('chronic', 'special') AND s.visit_date >= %(start)s AND s.visit_date < %(end)s"
        " GROUP BY 1, 2 ORDER BY 5 DESC",
    ],
    "institutions": [
        "SELECT i.name, t.n, t.total, t.pool FROM (SELECT s.institution_id, COUNT(*) n,"
        " SUM(s.total_amount) total, SUM(s.pool_paid) pool FROM claims_settlement s"
        " WHERE s.status = 'settled' AND s.visit_date >= %(start)s AND s.visit_date < %(end)s"
        " GROUP BY 1 ORDER BY 4 DESC LIMIT 20) t"
        " JOIN enrollment_institution i ON i.id = t.institution_id",
    ],
}
PAGES = {
    "fund": "/dashboards/",
    "accounts": "/dashboards/accounts/",
    "sharing": "/dashboards/sharing/",
    "caps": "/dashboards/caps/",
    "chronic": "/dashboards/chronic/",
    "institutions": "/dashboards/institutions/",
}


def main():
    url = f"{SERVER}/{DATABASE}"
    os.environ.update(ALLOWED_HOSTS="testserver", SECURE_SSL_REDIRECT="0")
    django_setup(fresh=not KEEP, database=DATABASE)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from tests.factories import UserFactory

    if not KEEP:
        connection.close()
        with Timer() as load_timer:
            counts = load(url)
        print(
            f"loaded {counts['persons']:,} persons, {counts['claims']:,} settlements,"
            f" {counts['ledger']:,} ledger entries with COPY in {load_timer.seconds:.0f} s"
            f" (persons, sharing, certifications {counts['load_people']:.0f} s; claims and"
            f" debits {counts['load_claims']:.0f} s; accumulators, indexes, VACUUM ANALYZE"
            f" {counts['indexes_vacuum']:.0f} s)"
        )
        with Timer() as rebuild:
            call_command("rebuild_summaries")
        print(f"rebuild_summaries: {rebuild.seconds:.0f} s")
    else:
        call_command("migrate", verbosity=0)  # a kept database gets this code's tables
        from dashboards.summaries import snapshots_refresh

        with Timer() as refresh:
            snapshots_refresh()
        print(f"snapshots refreshed in {refresh.seconds:.0f} s")
    # Static URLs without a collectstatic manifest (the file names do not change the timing).
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The pages' default period is the twelve months up to today: pin "today".
    fixed = timezone.make_aware(datetime(TODAY.year, TODAY.month, TODAY.day, 12))
    timezone.now = lambda: fixed
    client = Client()
    client.force_login(UserFactory(roles=["manager"]))
    end = TODAY.replace(day=1)
    start = date(end.year - 1 + (end.month == 12), end.month % 12 + 1, 1)
    month_after = date(end.year + (end.month == 12), end.month % 12 + 1, 1)
    params = {"start": start, "end": month_after, "year_ago": fixed - timedelta(days=365)}

    def page(path):
        def get():
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return get

    def raw(statements):
        def run():
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement, params)
                    cursor.fetchall()

        return run

    print()
    print("| page | page server time, median of 20 | raw GROUP BY, median of 5 | ratio |")
    print("|---|---|---|---|")
    for name, path in PAGES.items():
        page_ms = median_ms(page(path), PAGE_RUNS)
        raw_ms = median_ms(raw(RAW[name]), RAW_RUNS)
        print(
            f"| {name} `{path}` | {page_ms:,.0f} ms | {raw_ms:,.0f} ms | {raw_ms / page_ms:,.1f}× |"
        )
    hospital = connection.cursor()
    hospital.execute("SELECT id FROM enrollment_institution ORDER BY id LIMIT 1")
    drill = f"/dashboards/institutions/{hospital.fetchone()[0]}/"
    drill_ms = median_ms(page(drill), PAGE_RUNS)
    print(f"| drill-down `{drill}` (raw claims, paginated) | {drill_ms:,.0f} ms | | |")


if __name__ == "__main__":
    main()
