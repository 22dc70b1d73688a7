"""The dashboards' read models: kept inside the settlement's transaction, equal to a rebuild
from the raw tables (after the demo, after 20 threads at once), and the pages' figures equal
figures computed from the raw tables."""

import threading
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import LedgerEntry, PersonalAccount
from claims.models import Disease, Settlement
from claims.settlement import ClaimRequest, settlement_create, settlement_reverse
from dashboards import selectors
from dashboards.models import (
    AccountBand,
    CapYear,
    ClaimDay,
    DiseaseMonth,
    InstitutionMonth,
    LedgerMonth,
    PersonsServed,
)
from dashboards.selectors import Filters
from dashboards.summaries import claim_changes_fold, rebuild_all, snapshots_refresh
from policies.models import Region
from tests.claims.test_settlement import _world

CLAIM_MODELS = (ClaimDay, InstitutionMonth, DiseaseMonth)


def contents(model) -> set[tuple]:
    """A summary table's rows without their ids (zero rows dropped: a reversal leaves a row
    at zero where a rebuild has none)."""
    fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    rows = set()
    for row in model.objects.values_list(*fields):
        values = dict(zip(fields, row, strict=True))
        counters = [v for k, v in values.items() if k == "settlements"]
        if counters and not any(counters):
            continue
        rows.add(row)
    return rows


def snapshot() -> dict:
    return {model.__name__: contents(model) for model in CLAIM_MODELS}


@pytest.fixture
def demo(db):
    call_command("load_demo")
    snapshots_refresh()


def test_rebuilt_summaries_equal_the_incremental_ones(demo, postgres):
    # Given the demo's year of claims (some reversed, relatives' claims, chronic ones)
    assert Settlement.objects.filter(status="reversed").exists()
    incremental = snapshot()
    assert incremental["ClaimDay"] and incremental["InstitutionMonth"]
    # When everything is recomputed from the raw tables
    call_command("rebuild_summaries")
    # Then the claim summaries are the same, row by row
    assert snapshot() == incremental


def test_twenty_threads_keep_the_summaries_exact(postgres_tx):
    person, _account, hospital = _world()
    from tests.factories import PersonFactory

    others = [PersonFactory(region=person.region, employer=person.employer) for _ in range(4)]
    for p in others:
        from accounts.services import account_open, ledger_post

        ledger_post(account_id=account_open(person=p).pk, kind="adjustment", amount=D("500"))
    errors = []
    barrier = threading.Barrier(20)

    def settle(i):
        try:
            barrier.wait()
            who = ([person] + others)[i % 5]
            s, _ = settlement_create(
                request=ClaimRequest(
                    claim_number=f"T{i}",
                    person=who,
                    institution=hospital,
                    visit_date=date(2026, 3, 1 + i % 3),
                    benefit="general_outpatient",
                    total_amount=D("150.00") + i,
                )
            )
            if i % 7 == 0:
                settlement_reverse(settlement=s)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=settle, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert snapshot() == {name: set() for name in snapshot()}  # nothing folded yet
    assert claim_changes_fold() == 20 + 3  # 20 settlements, 3 reversals
    incremental = snapshot()
    rebuild_all()
    assert snapshot() == incremental
    served = PersonsServed.objects.get(month=date(2026, 3, 1), region=person.region)
    assert served.persons == 5


def test_folds_running_beside_settlements_count_each_change_once(postgres_tx):
    # Given settlements and reversals from 8 threads while 2 threads fold all the while
    person, _account, hospital = _world()
    done = threading.Event()
    errors = []

    def settle(n):
        try:
            for i in range(12):
                s, _ = settlement_create(
                    request=ClaimRequest(
                        claim_number=f"F{n}-{i}",
                        person=person,
                        institution=hospital,
                        visit_date=date(2026, 4, 1 + i % 2),
                        benefit="general_outpatient",
                        total_amount=D("80.00") + n,
                    )
                )
                if i % 5 == 0:
                    settlement_reverse(settlement=s)
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            errors.append(repr(exc))
        finally:
            connection.close()

    def fold(wait):
        try:
            while not done.is_set():
                claim_changes_fold(wait=wait)
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))
        finally:
            connection.close()

    folders = [threading.Thread(target=fold, args=(w,)) for w in (True, False)]
    settlers = [threading.Thread(target=settle, args=(n,)) for n in range(8)]
    for t in folders + settlers:
        t.start()
    for t in settlers:
        t.join()
    done.set()
    for t in folders:
        t.join()
    assert errors == []
    # When the last changes are folded
    claim_changes_fold()
    # Then the summaries are what a rebuild from the settlements gives
    incremental = snapshot()
    assert sum(r.settlements for r in ClaimDay.objects.all()) == 8 * 12 - 8 * 3
    rebuild_all()
    assert snapshot() == incremental


def _months(filters):
    return {f"{m:%Y-%m}" for m in filters.months()}


def test_pages_show_the_raw_tables_figures(demo, postgres):
    today = timezone.localdate()
    start = (today - timedelta(days=430)).replace(day=1)
    wuhan = Region.objects.get(code="420100")
    for region in (None, wuhan):
        filters = Filters(start=start, end=today.replace(day=1), region_id=region and region.pk)
        settled = Settlement.objects.filter(
            status="settled", visit_date__gte=filters.start, visit_date__lt=filters.end_day
        )
        if region:
            settled = settled.filter(policy_version__region=region)
        # Fund overview: by month, and the totals.
        kpis, (monthly, _by_region, by_level) = selectors.fund_overview(filters)
        raw = settled.aggregate(n=Count("id"), total=Sum("total_amount"), pool=Sum("pool_paid"))
        assert (kpis["settlements"], kpis["total_amount"], kpis["pool_paid"]) == (
            raw["n"],
            raw["total"],
            raw["pool"],
        )
        for row in monthly.rows:
            month = settled.filter(visit_date__year=row[0][:4], visit_date__month=row[0][5:])
            figures = month.aggregate(t=Sum("total_amount"), c=Sum("cash_paid"))
            assert row[1] == month.count(), row
            assert row[2] == month.values("person").distinct().count(), row
            assert (row[3], row[7]) == (figures["t"] or D("0"), figures["c"] or D("0")), row
        assert sum(r[2] for r in by_level.rows) == raw["n"]
        # Institutions: the top 20 by pooled fund.
        _k, (top,) = selectors.institutions_overview(filters)
        expected = list(
            settled.values("institution__name")
            .annotate(n=Count("id"), pool=Sum("pool_paid"))
            .order_by("-pool", "institution")[:20]
        )
        assert [(r[0], r[1], r[3]) for r in top.rows] == [
            (e["institution__name"], e["n"], e["pool"]) for e in expected
        ]
        # Chronic and special diseases: pooled spending per disease.
        _k, (_certs, spending) = selectors.chronic_overview(filters)
        expected = {
            (r["disease_code"], r["benefit"]): r["pool"]
            for r in settled.filter(benefit__in=["chronic", "special"])
            .values("disease_code", "benefit")
            .annotate(pool=Sum("pool_paid"))
        }
        assert {(r[0].split()[0], r[1]): r[4] for r in spending.rows} == expected
        # Each disease with its name (糖尿病 beside E11), never a bare code.
        names = dict(Disease.objects.values_list("code", "name"))
        assert all(r[0] == f"{r[0].split()[0]} {names[r[0].split()[0]]}" for r in spending.rows)
    # Personal accounts: balances and ledger months.
    kpis, (credits, debits, bands) = selectors.accounts_overview(
        Filters(start=start, end=today.replace(day=1))
    )
    assert kpis["balance"] == PersonalAccount.objects.aggregate(s=Sum("balance"))["s"]
    assert kpis["accounts"] == PersonalAccount.objects.count()
    claim_debits = LedgerEntry.objects.filter(kind="claim_debit", created_at__date__gte=start)
    assert {r[0]: r[2] for r in debits.rows}["claim_debit"] == -claim_debits.aggregate(
        s=Sum("amount")
    )["s"]
    assert LedgerMonth.objects.exists() and AccountBand.objects.exists()
    # Family sharing: active authorisations by relation, shared payments.
    from claims.models import ChronicCertification
    from family_sharing.models import SharingAuthorisation

    _k, (relations, payments) = selectors.sharing_overview(
        Filters(start=start, end=today.replace(day=1))
    )
    active = SharingAuthorisation.objects.filter(status="active")
    assert {r[0]: r[1] for r in relations.rows} == dict(
        active.values("relation").annotate(n=Count("id")).values_list("relation", "n")
    )
    assert active.exists()
    shared = LedgerEntry.objects.filter(kind="shared_debit", created_at__date__gte=start)
    assert sum((r[2] for r in payments.rows), D("0")) == -(
        shared.aggregate(s=Sum("amount"))["s"] or D("0")
    )
    # Chronic and special diseases: certifications by disease and status.
    _k, (certifications, _spending) = selectors.chronic_overview(
        Filters(start=start, end=today.replace(day=1))
    )
    statuses = ["applied", "approved", "rejected", "revoked"]
    page = {
        (row[0].split()[0], status): n
        for row in certifications.rows
        for status, n in zip(statuses, row[1:], strict=True)
        if n
    }
    raw = ChronicCertification.objects.values("disease__code", "status").annotate(n=Count("id"))
    assert page == {(r["disease__code"], r["status"]): r["n"] for r in raw}
    assert raw.exists()
    # Caps: Wuhan's employees past the 700.00 deductible this year.
    _k, (caps,) = selectors.caps_overview(Filters(start=start, end=today.replace(day=1)))
    from claims.models import Accumulator

    past = Accumulator.objects.filter(
        year=today.year,
        bucket="general_outpatient",
        person__region=wuhan,
        person__category="employee",
        deductible_used__gte=D("700.00"),
    ).count()
    row = CapYear.objects.get(year=today.year, region=wuhan, category="employee")
    assert row.past_deductible == past


def test_managers_and_auditors_see_the_dashboards_clerks_do_not(demo, client):
    from tests.factories import UserFactory

    pages = ["", "accounts/", "sharing/", "caps/", "chronic/", "institutions/"]
    client.force_login(UserFactory(roles=["clerk"]))
    assert all(client.get(f"/dashboards/{p}").status_code == 403 for p in pages)
    for role in ("manager", "auditor"):
        client.force_login(UserFactory(roles=[role]))
        for p in pages:
            response = client.get(f"/dashboards/{p}")
            assert response.status_code == 200, (role, p)
            assert b'type="application/json"' in response.content
        export = client.get("/dashboards/?export=xlsx")
        assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    bad = client.get("/dashboards/?start=2026-13&end=2025-01")
    assert bad.status_code == 400 and b'data-field="start"' in bad.content
    hospital = Settlement.objects.filter(claim_number__startswith="DASH-").first().institution
    drill = client.get(f"/dashboards/institutions/{hospital.pk}/")
    assert drill.status_code == 200 and hospital.name.encode() in drill.content
    client.logout()
    assert client.get("/dashboards/").status_code == 302
