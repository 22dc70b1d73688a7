"""Policy replay (issue 21): a draft's effect on a period's settlements and crediting.

The world: Wuhan (annual deductible 700/500, ratios by level, cap 3,500/4,000) with an employee
crossing the deductible, a retiree, a big spender reaching the cap, a holder paying for a
relative (family sharing) and a reversed claim; Yuxi (per-visit deductible, chronic diseases
with their own deductible, ratio and cap) with a certified chronic patient. Every claim is
settled by the settlement service; the replay must give back every figure under the versions in
force, and the draft's figures by the worked arithmetic below."""

import copy
from datetime import date
from decimal import Decimal as D

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.crediting import retiree_crediting_run
from accounts.models import LedgerEntry
from accounts.services import ledger_post
from claims.models import Accumulator, ChronicCertification, Disease, Settlement
from claims.settlement import ClaimRequest, settlement_create, settlement_reverse
from dashboards.models import ClaimChange, ClaimDay
from enrollment.models import Employer
from enrollment.services import person_create
from family_sharing.services import sharing_grant
from jobs.models import Job
from jobs.services import job_create, job_execute
from policies.models import PolicyVersion, Region
from policies.selectors import effective_policy
from policies.services import draft_create, policies_load_seeds
from replay.models import ReplayChunk
from replay.services import chunk_run, chunk_take, replay_scope
from staff.errors import DomainError
from staff.roles import CLERK, MANAGER, POLICY_ADMIN
from tests.factories import InstitutionFactory, UserFactory

pytestmark = pytest.mark.django_db

_seq = iter(range(300, 999))


def _person(region, *, birth=date(1975, 5, 5), category="employee", retired=None):
    from enrollment.id_numbers import make

    employer = None
    if category == "employee":
        employer = Employer.objects.filter(region=region).first() or Employer.objects.create(
            code=f"E{region.code}", name="单位", region=region
        )
    return person_create(
        id_number=make(region.code, birth, next(_seq)),
        name="测试",
        region=region,
        category=category,
        employer=employer,
        contribution_base=D("8000.00") if category == "employee" else None,
        retirement_date=retired,
        benefits_from=date(2022, 1, 1),
    )


def _fund(person, amount):
    ledger_post(account_id=person.account.pk, kind="adjustment", amount=D(amount))


def _claim(n, person, institution, day, total, **kwargs):
    settlement, _ = settlement_create(
        request=ClaimRequest(
            claim_number=f"R{n}",
            person=person,
            institution=institution,
            visit_date=day,
            benefit=kwargs.pop("benefit", "general_outpatient"),
            total_amount=D(total),
            **kwargs,
        )
    )
    return settlement


@pytest.fixture
def world(db):
    policies_load_seeds()
    wuhan = Region.objects.get(code="420100")
    yuxi = Region.objects.get(code="530400")
    h1 = InstitutionFactory(code="WH1", region=wuhan, level="1")
    h2 = InstitutionFactory(code="WH2", region=wuhan, level="2")
    y2 = InstitutionFactory(code="YX2", region=yuxi, level="2")
    a = _person(wuhan)  # deductible crossing
    _fund(a, "1000.00")
    retiree = _person(wuhan, birth=date(1950, 2, 2), category="retiree", retired=date(2010, 3, 1))
    _fund(retiree, "300.00")
    big = _person(wuhan, birth=date(1962, 7, 7))  # reaches the cap
    holder = _person(wuhan, birth=date(1970, 1, 1))
    _fund(holder, "2000.00")
    member = _person(wuhan, birth=date(1998, 1, 1))
    sharing_grant(
        holder=holder,
        member=member,
        relation="child",
        proof_kind="household_register",
        proof_number="HR1",
        valid_from=date(2024, 1, 1),
    )
    chronic = _person(yuxi, birth=date(1958, 3, 3))
    _fund(chronic, "100.00")
    ChronicCertification.objects.create(
        person=chronic,
        disease=Disease.objects.get(code="E11"),
        valid_from=date(2024, 1, 1),
        status="approved",
    )
    n = iter(range(1, 999))
    _claim(next(n), a, h1, date(2025, 1, 10), "400.00")  # below the deductible (warm-up)
    _claim(next(n), a, h1, date(2025, 3, 1), "1200.00")  # crosses it: 300 + 900 × 0.80
    _claim(next(n), a, h2, date(2025, 4, 2), "500.00", class_b_amount=D("100.00"))
    _claim(next(n), retiree, h1, date(2025, 3, 5), "900.00")
    _claim(next(n), retiree, h2, date(2025, 6, 5), "300.00")
    for i, month in enumerate((2, 3, 4, 5, 6, 7)):
        _claim(next(n), big, h1, date(2025, month, 3 + i), "1500.00")
    reversed_ = _claim(next(n), big, h2, date(2025, 5, 20), "800.00")
    settlement_reverse(settlement=reversed_, reason="录入错误")
    _claim(next(n), holder, h1, date(2025, 3, 8), "1000.00")
    _claim(next(n), member, h1, date(2025, 3, 9), "900.00", account_holder=holder)
    _claim(next(n), member, h2, date(2025, 5, 9), "300.00", account_holder=holder)
    _claim(next(n), chronic, y2, date(2025, 3, 3), "600.00")
    _claim(next(n), chronic, y2, date(2025, 3, 4), "700.00", benefit="chronic", disease_code="E11")
    _claim(next(n), chronic, y2, date(2025, 4, 4), "9000.00", benefit="chronic",
           disease_code="E11")  # fmt: skip
    retiree_crediting_run(period="2025-03")
    return {"wuhan": wuhan, "yuxi": yuxi, "a": a, "big": big, "retiree": retiree}


def _draft(region, change=None):
    document = copy.deepcopy(
        effective_policy(region=region, on_date=date(2025, 6, 1)).version.document
    )
    if change:
        change(document)
    return draft_create(
        region=region, effective_from=date(2027, 1, 1), source="测试草案 第七条", document=document
    )


def _run(draft, capture, start="2025-03-01", end="2025-12-31", **extra) -> Job:
    with capture(execute=True):
        job = job_create(
            kind="policy_replay",
            parameters={"draft": draft.pk, "start": start, "end": end, **extra},
            created_by=UserFactory(roles=[MANAGER]),
        )
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    return job


def _written():
    return (
        Settlement.objects.count(),
        LedgerEntry.objects.count(),
        list(Accumulator.objects.order_by("pk").values_list("deductible_used", "pooled")),
        ClaimDay.objects.count(),
        ClaimChange.objects.count(),
    )


@override_settings(REPLAY_SAMPLE=1000, REPLAY_CHUNK_PERSONS=2)
@pytest.mark.parametrize("code", ["420100", "530400"])
def test_replay_under_the_version_in_force_gives_back_every_figure(
    world, code, django_capture_on_commit_callbacks
):
    region = Region.objects.get(code=code)
    before = _written()
    job = _run(_draft(region), django_capture_on_commit_callbacks)
    result = job.result
    check = result["exact_check"]
    assert check["mismatches"] == [] and check["sample"] == check["matched"] > 0
    stored = Settlement.objects.filter(
        status="settled", policy_version__region=region, visit_date__gte=date(2025, 3, 1)
    )
    assert check["sample"] == stored.count() == result["actual"]["settlements"]
    # The same document: the draft's figures are the actual ones, nobody better or worse.
    draft = dict(result["draft"])
    assert draft.pop("refused") == 0 and draft == result["actual"]
    assert result["persons_better"] == result["persons_worse"] == 0
    assert result["differences"] == [] and result["refused"] == []
    assert _written() == before  # nothing outside the job is written
    assert not ReplayChunk.objects.filter(job=job).exists()
    assert result["chunks"] >= 1 and result["processes"] == 1  # eager: this process took all


def test_a_draft_raising_a_ratio_worked_example(world, django_capture_on_commit_callbacks):
    def raise_ratio(document):
        document["general_outpatient"]["ratio"]["employee"]["1"] = "0.85"

    wuhan = world["wuhan"]
    job = _run(_draft(wuhan, raise_ratio), django_capture_on_commit_callbacks, start="2025-03-01",
               end="2025-03-31")  # fmt: skip
    r = job.result
    # March, Wuhan, level-1 employees: A's claim (400 of the deductible used in January):
    #   actual: 300 deductible, 900 × 0.80 = 720 pooled, 480 from the account (balance 1,000).
    #   draft:  900 × 0.85 = 765 pooled (+45), 435 from the account.
    # The big spender (1,500 on 3 March; 1,500 on 3 February already used the deductible 700):
    #   actual 1,500 × 0.80 = 1,200; draft 1,500 × 0.85 = 1,275 (+75), still under the 3,500 cap.
    # The holder (1,000: 700 deductible, 300 × 0.80 = 240; draft 255: +15) and the member
    #   (900: 700 + 200 × 0.80 = 160; draft 170: +10). The retiree's claim is unchanged.
    actual, draft = D(r["actual"]["pool_paid"]), D(r["draft"]["pool_paid"])
    assert draft - actual == D("45.00") + D("75.00") + D("15.00") + D("10.00")
    assert r["actual"]["settlements"] == r["draft"]["settlements"] == 5
    assert D(r["actual"]["total_amount"]) == D(r["draft"]["total_amount"]) == D("5500.00")
    assert r["persons_better"] == 4 and r["persons_worse"] == 0
    assert D(r["person_delta"]["total_better"]) == D("145.00")
    assert sum(b["persons"] for b in r["person_delta"]["buckets"]) == 5
    [level1] = [row for row in r["breakdowns"]["level"] if row["key"] == "1"]
    assert D(level1["draft"]["pool_paid"]) - D(level1["actual"]["pool_paid"]) == D("145.00")
    assert [row["key"] for row in r["breakdowns"]["month"]] == ["2025-03"]
    assert {row["key"] for row in r["breakdowns"]["rate_class"]} == {"employee", "retiree"}
    [difference] = r["differences"]
    assert difference["path"] == "general_outpatient.ratio.employee.1"
    assert (difference["in_force"], difference["draft"]) == ("80%", "85%") or difference[
        "draft"
    ] != difference["in_force"]
    assert r["exact_check"]["matched"] == r["exact_check"]["sample"]
    assert r["region"] == "420100" and r["draft_id"] == job.parameters["draft"]


def test_an_unset_value_refuses_the_claims_naming_the_parameter(
    world, django_capture_on_commit_callbacks
):
    def unset_cap(document):
        document["general_outpatient"]["annual_cap"]["employee"] = None

    job = _run(_draft(world["wuhan"], unset_cap), django_capture_on_commit_callbacks)
    r = job.result
    [refused] = r["refused"]
    assert refused["parameter"] == "general_outpatient.annual_cap.employee"
    assert refused["claims"] == r["draft"]["refused"] > 0
    assert r["draft"]["settlements"] + r["draft"]["refused"] == r["actual"]["settlements"]


def test_lowering_the_cap_reaches_it_for_more_persons(world, django_capture_on_commit_callbacks):
    def lower_cap(document):
        document["general_outpatient"]["annual_cap"]["employee"] = "200.00"

    r = _run(_draft(world["wuhan"], lower_cap), django_capture_on_commit_callbacks).result
    # At 200: A (720 pooled in March), the holder (240) and the member (160 + 180) reach it; the
    # big spender reached the 3,500 cap anyway (in May) and so is not newly at a cap.
    assert r["newly_at_cap"] == 3
    assert r["persons_worse"] == 4 and r["persons_better"] == 0


def test_crediting_under_a_different_retiree_amount(world, django_capture_on_commit_callbacks):
    def more(document):
        document["account"]["retiree"]["amount"] = "100.00"

    r = _run(_draft(world["wuhan"], more), django_capture_on_commit_callbacks).result
    [march] = r["crediting"]["months"]
    # One Wuhan retiree credited 83.00 in March 2025; the draft gives 100.00.
    assert (march["key"], march["actual"], march["draft"], march["accounts"]) == (
        "2025-03", "83.00", "100.00", 1,
    )  # fmt: skip
    assert r["crediting"]["fund_effect"] == "17.00"


def test_a_redelivered_chunk_counts_once(world):
    draft = _draft(world["wuhan"])
    job = Job.objects.create(
        kind="policy_replay",
        parameters={"draft": draft.pk, "start": "2025-03-01", "end": "2025-12-31"},
    )
    ReplayChunk.objects.create(job=job, index=0, first_person=0, last_person=2**62)
    scope = replay_scope(job.parameters)
    chunk = chunk_take(job_id=job.pk)
    assert chunk_run(chunk=chunk, scope=scope)
    first = ReplayChunk.objects.get(job=job).partial
    assert chunk_take(job_id=job.pk) is None  # done: nobody takes it again
    assert not chunk_run(chunk=chunk, scope=scope)  # a second run of the same chunk adds nothing
    assert ReplayChunk.objects.get(job=job).partial == first


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"draft": "", "start": "2025-01-01", "end": "2025-12-31"}, "draft"),
        ({"draft": "９", "start": "2025-01-01", "end": "2025-12-31"}, "draft"),
        ({"draft": 999999, "start": "2025-01-01", "end": "2025-12-31"}, "draft"),
        ({"start": "２０２５-01-01", "end": "2025-12-31"}, "start"),
        ({"start": "2025-13-01", "end": "2025-12-31"}, "start"),
        ({"start": "2025-06-01", "end": "2025-01-31"}, "end"),
        ({"start": "2025-01-01", "end": "2099-12-31"}, "end"),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(world, parameters, field):
    draft = _draft(world["wuhan"])
    parameters = {"draft": draft.pk, **parameters}
    with pytest.raises(DomainError) as caught:
        job_create(kind="policy_replay", parameters=parameters, created_by=None)
    assert caught.value.field == field
    assert not Job.objects.filter(kind="policy_replay").exists()


def test_the_api_starts_and_shows_a_replay(world, django_capture_on_commit_callbacks):
    draft = _draft(world["wuhan"])
    body = {"kind": "policy_replay", "draft": draft.pk, "start": "2025-03-01", "end": "2025-06-30"}
    clerk = APIClient()
    clerk.force_authenticate(UserFactory(roles=[CLERK]))
    assert clerk.post("/api/v1/jobs/", body, format="json").status_code == 403
    manager = APIClient()
    manager.force_authenticate(UserFactory(roles=[MANAGER]))
    with django_capture_on_commit_callbacks(execute=True):
        created = manager.post("/api/v1/jobs/", body, format="json")
    assert created.status_code == 201, created.json()
    reader = APIClient()
    reader.force_authenticate(UserFactory(roles=[POLICY_ADMIN]))
    shown = reader.get(f"/api/v1/jobs/{created.json()['id']}/").json()
    assert shown["status"] == "succeeded"
    assert shown["result"]["actual"]["settlements"] == shown["result"]["draft"]["settlements"]
    bad = manager.post("/api/v1/jobs/", {**body, "end": "2025-02-30"}, format="json")
    assert bad.status_code == 400 and "end" in str(bad.json())


def test_rerun_of_a_finished_job_does_nothing(world, django_capture_on_commit_callbacks):
    job = _run(_draft(world["wuhan"]), django_capture_on_commit_callbacks)
    assert job_execute(job_id=job.pk) is None
    assert PolicyVersion.objects.filter(region=world["wuhan"]).count() == 1


@pytest.mark.parametrize("sample", [0, 1000])
def test_a_chunks_queries_do_not_grow_with_its_claims(world, sample):
    """A chunk reads its facts in a fixed number of queries: none per claim, per person or per
    account holder (the exact check's replays included)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from replay.engine import Scope, replay_chunk

    wuhan = world["wuhan"]
    scope = Scope(_draft(wuhan), [wuhan.pk], date(2025, 3, 1), date(2025, 12, 31), sample)

    def counted():
        replay_chunk(scope, 0, 2**62)  # warm the process-wide policy caches
        with CaptureQueriesContext(connection) as queries:
            agg = replay_chunk(scope, 0, 2**62)
        return agg.claims, len(queries.captured_queries)

    claims, queries = counted()
    h1 = InstitutionFactory(code="WH9", region=wuhan, level="1")
    holder = _person(wuhan, birth=date(1969, 1, 1))
    _fund(holder, "5000.00")
    n = iter(range(500, 999))
    for _i in range(3):
        member = _person(wuhan, birth=date(1999, 1, 1))
        sharing_grant(holder=holder, member=member, relation="child",
                      proof_kind="household_register", proof_number=f"HR{next(n)}",
                      valid_from=date(2024, 1, 1))  # fmt: skip
        for month in (3, 4, 5, 6):
            _claim(next(n), member, h1, date(2025, month, 11), "260.00", account_holder=holder)
            _claim(next(n), member, h1, date(2025, month, 12), "180.00")
    more, more_queries = counted()
    assert more == claims + 24
    assert more_queries == queries
