"""Issue 18 on the database: the rules each document states, through the settlement service and
the API (combined maxima with reported inpatient totals, the retiree month, the discharge day,
Yuxi's above-cap excess and its reversal)."""

import copy
from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Accumulator
from claims.settlement import ClaimRequest, settlement_create, settlement_reverse
from enrollment.models import InpatientStay
from policies.models import Region
from policies.params import UnsetParameter
from policies.services import policies_load_seeds, policy_version_publish
from tests.factories import EmployerFactory, InstitutionFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db
VISIT = date(2026, 3, 2)


@pytest.fixture
def seeded():
    policies_load_seeds()


def person_in(code: str, **kwargs):
    region = Region.objects.get(code=code)
    return PersonFactory(
        region=region,
        employer=EmployerFactory(region=region),
        benefits_from=date(2023, 1, 1),
        **kwargs,
    )


def hospital_in(code: str, level: str = "1"):
    return InstitutionFactory(region=Region.objects.get(code=code), level=level)


def claim(person, institution, total, number="C1", **kwargs):
    return ClaimRequest(
        claim_number=number,
        person=person,
        institution=institution,
        visit_date=kwargs.pop("visit_date", VISIT),
        benefit=kwargs.pop("benefit", "general_outpatient"),
        total_amount=D(total),
        use_account=False,
        **kwargs,
    )


def fill(code: str, start: str, source: str, **values):
    """A version giving values the current one leaves unset (test figures)."""
    region = Region.objects.get(code=code)
    current = region.versions.order_by("-effective_from").first()
    document = copy.deepcopy(current.document)
    for dotted, value in values.items():
        node = document
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return policy_version_publish(
        region=region, effective_from=date.fromisoformat(start), source=source, document=document
    )


def clerk_client():
    client = APIClient()
    user = UserFactory(roles=["clerk"])
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def test_combined_maximum_with_reported_inpatient_total(seeded):
    # Wuhan 第十九条: general outpatient counts within the pooled fund's annual maximum shared
    # with inpatient care. Unset in the seed: the claim is settled, the line says so.
    person, hospital = person_in("420100"), hospital_in("420100")
    first, _ = settlement_create(request=claim(person, hospital, "1200.00"))
    assert first.pool_paid == D("400.00")  # (1200 − 700) × 80% (第十四、十五条)
    line = next(x for x in first.explanation if x["step"] == "combined_max")
    assert "第十九条" in line["rule"] and "未设定" in line["rule"]
    # The bureau's figure (test figure 1000.00 for employees) and the inpatient system's report
    # (500.00 paid for inpatient care this year): 1000 − (400 + 500) = 100 left;
    # the next claim (500 × 80% = 400) is paid 100.00.
    fill("420100", "2026-03-03", "测试通知（演示数字）", combined_annual_max__employee="1000.00")
    client = clerk_client()
    url = f"/api/v1/persons/{person.pk}/inpatient-totals/2026/"
    body = {"pooled": "500.00", "as_of": "2026-02-28", "source": "住院结算系统"}
    assert client.put(url, body, format="json").status_code == 201
    assert client.put(url, body, format="json").status_code == 200  # a report replaces
    assert client.get(url).json()["pooled"] == "500.00"
    bad = client.put(url, {**body, "pooled": "５００"}, format="json")
    assert bad.status_code == 400 and "pooled" in bad.json()
    future = client.put(f"/api/v1/persons/{person.pk}/inpatient-totals/2999/", body, format="json")
    assert future.status_code == 400 and "year" in future.json()
    second, _ = settlement_create(
        request=claim(person, hospital, "500.00", "C2", visit_date=date(2026, 3, 3))
    )
    assert second.pool_paid == D("100.00")
    assert any(x["step"] == "combined_max" and "1000.00" in x["rule"] for x in second.explanation)


def test_retiree_rules_from_the_month_after_retirement_in_settlement_too(seeded):
    # Wuhan 第七条: 办理退休手续后从次月起. Retired 2026-03-01, visit 2026-03-02: employee
    # ratio (level 1 80 %, deductible 700): (1200 − 700) × 80% = 400.00 (was 84 % from the day).
    wuhan = person_in("420100", category="retiree", retirement_date=date(2026, 3, 1))
    s, _ = settlement_create(request=claim(wuhan, hospital_in("420100"), "1200.00"))
    assert s.pool_paid == D("400.00")
    # From April: the retiree's deductible (500) is used up by March's 700; 1200 × 84% = 1008.00.
    s, _ = settlement_create(
        request=claim(wuhan, hospital_in("420100"), "1200.00", "C2", visit_date=date(2026, 4, 1))
    )
    assert s.pool_paid == D("1008.00")
    # Tibet's document is silent: inside the retirement month the claim is refused naming the
    # parameter (not Wuhan's rule); the next month is the retiree's under any rule.
    tibet = person_in("540000", category="retiree", retirement_date=date(2026, 3, 1))
    with pytest.raises(UnsetParameter) as err:
        settlement_create(request=claim(tibet, hospital_in("540000"), "500.00", "T1"))
    assert "retiree_credit_from" in err.value.message


def test_discharge_day_is_paid_in_baotou(seeded):
    # Baotou 第十条（二）: 住院期间 excludes general outpatient; the discharge day is outside the
    # stay (算入不算出, interpretation): (1500 − 1000) × 70% = 350.00.
    person, hospital = person_in("150200"), hospital_in("150200")
    InpatientStay.objects.create(person=person, admitted_on=date(2026, 2, 20), discharged_on=VISIT)
    s, _ = settlement_create(request=claim(person, hospital, "1500.00"))
    assert s.pool_paid == D("350.00")
    InpatientStay.objects.create(person=person, admitted_on=date(2026, 3, 10), discharged_on=None)
    inside, _ = settlement_create(
        request=claim(person, hospital, "1500.00", "C2", visit_date=date(2026, 3, 11))
    )
    assert inside.pool_paid == 0


def test_yuxi_above_cap_excess_accrues_apart_and_reverses(seeded):
    # Yuxi 第九条 with the inpatient ratio filled (test figure 75 % at level 3): 5800 paid this
    # year; a 1090 visit at level 3: per-visit 90, base 1000; 200 room pays 400 of costs;
    # 600 × 75% = 450 above the cap; pool 650.00.
    fill(
        "530400",
        "2026-01-01",
        "测试通知（演示数字）",
        general_outpatient__above_cap_ratio={
            "employee": {"1": "0.85", "2": "0.80", "3": "0.75"},
            "retiree": {"1": "0.90", "2": "0.85", "3": "0.80"},
        },
    )
    person, hospital = person_in("530400"), hospital_in("530400", "3")
    Accumulator.objects.create(person=person, year=2026, bucket="general_outpatient", pooled=5800)
    s, _ = settlement_create(request=claim(person, hospital, "1090.00"))
    assert (s.pool_paid, s.pool_paid_above_cap) == (D("650.00"), D("450.00"))
    rows = dict(Accumulator.objects.filter(person=person).values_list("bucket", "pooled"))
    assert (rows["general_outpatient"], rows["general_above_cap"]) == (D("6000.00"), D("450.00"))
    settlement_reverse(settlement=s)
    rows = dict(Accumulator.objects.filter(person=person).values_list("bucket", "pooled"))
    assert (rows["general_outpatient"], rows["general_above_cap"]) == (D("5800.00"), D("0.00"))


def _grant(holder, member, relation):
    from family_sharing.services import sharing_grant

    return sharing_grant(
        holder=holder,
        member=member,
        relation=relation,
        proof_kind="household_register",
        proof_number="HR-1",
        valid_from=date(2026, 1, 1),
    )


def test_near_relatives_where_the_document_allows_them(seeded):
    # Issue 18 item 10: Tibet 第十四条 配偶、父母、子女等近亲属 → siblings, grandparents and
    # grandchildren too (民法典 第一千零四十五条); Wuhan 第八条 names only 配偶、父母、子女.
    from accounts.services import account_open
    from staff.errors import DomainError

    tibet_holder = person_in("540000")
    account_open(person=tibet_holder)
    sister = person_in("540000", name="卓嘎")
    assert _grant(tibet_holder, sister, "sibling").status == "active"
    wuhan_holder = person_in("420100")
    account_open(person=wuhan_holder)
    brother = person_in("420100", name="李强")
    with pytest.raises(DomainError) as err:
        _grant(wuhan_holder, brother, "sibling")
    assert err.value.field == "relation" and "第八条" in err.value.message


def test_yuxi_relative_insured_in_another_yunnan_city_is_paid_from_the_holders_account(seeded):
    # Issue 18 item 11: Yuxi 第十六条 allows relatives insured anywhere in Yunnan. 昆明市 has no
    # policy here: the claim is still paid from the holder's account (1000 of a 1200 claim, the
    # rest in cash), with no pooled part, and the explanation says why.
    from accounts.services import account_open, ledger_post
    from tests.factories import RegionFactory

    holder = person_in("530400")
    account = account_open(person=holder)
    ledger_post(account_id=account.pk, kind="adjustment", amount=D("1000.00"))
    kunming = RegionFactory(code="530100", name="昆明市")
    relative = PersonFactory(region=kunming, employer=EmployerFactory(region=kunming))
    _grant(holder, relative, "parent")
    request = ClaimRequest(
        claim_number="K1",
        person=relative,
        institution=hospital_in("530400"),
        visit_date=VISIT,
        benefit="general_outpatient",
        total_amount=D("1200.00"),
        account_holder=holder,
    )
    s, _ = settlement_create(request=request)
    assert (s.pool_paid, s.family_account_paid, s.cash_paid) == (
        D("0.00"),
        D("1000.00"),
        D("200.00"),
    )
    excluded = next(x for x in s.explanation if x["step"] == "excluded")
    assert "昆明市" in excluded["rule"] and "第十六条" in excluded["rule"]


def test_out_of_region_filings_registry_decides_filed(seeded):
    # Issue 18 item 16. Wuhan 第十七条: a long-term filing (异地长期居住) covers only the place
    # filed; elsewhere "其他情形": 10 % first, then 第十四~十六条.
    from staff.errors import DomainError
    from tests.factories import RegionFactory

    guangzhou = RegionFactory(code="440100", name="广州市")
    shenzhen = RegionFactory(code="440300", name="深圳市")
    RegionFactory(code="440000", name="广东省")
    person = person_in("420100")
    client = clerk_client()
    url = f"/api/v1/persons/{person.pk}/out-of-region-filings/"
    made = client.post(
        url, {"kind": "long_term", "region": "440100", "valid_from": "2026-01-01"}, format="json"
    )
    assert made.status_code == 201, made.content
    assert client.get(url).json()[0]["region"] == "440100"
    no_end = client.post(
        url, {"kind": "temporary", "region": "440000", "valid_from": "2026-01-01"}, format="json"
    )
    assert no_end.status_code == 400 and "valid_to" in no_end.json()
    # At Guangzhou: filed, no first pay: (1200 − 700) × 80% = 400.00 (level 1).
    gz = InstitutionFactory(region=guangzhou, level="1")
    s, _ = settlement_create(request=claim(person, gz, "1200.00", "G1"))
    assert (s.first_pay_amount, s.pool_paid, s.out_of_region_filed) == (
        D("0.00"),
        D("400.00"),
        True,
    )
    # At Shenzhen: not the place filed: 10 % first (第十七条): 500 × 10% = 50; 450 × 80% = 360.
    sz = InstitutionFactory(region=shenzhen, level="1")
    with pytest.raises(DomainError) as err:
        settlement_create(request=claim(person, sz, "500.00", "S1", out_of_region_filed=True))
    assert err.value.field == "out_of_region_filed"
    s, _ = settlement_create(request=claim(person, sz, "500.00", "S2"))
    assert (s.first_pay_amount, s.pool_paid) == (D("50.00"), D("360.00"))
    # A temporary filing to 广东省 until 2026-06-30 covers Shenzhen; ended on 2026-03-02 it
    # covers the 2nd but not the 3rd. Wuhan 第十七条 counts only 异地安置、常驻异地、异地长期居住
    # filings (out_of_region.filing_kinds: long-term): a temporary one is 其他情形 (fidelity
    # review; was settled as filed, first pay 0.00).
    temp = client.post(
        url,
        {"kind": "temporary", "region": "440000", "valid_from": "2026-03-01",
         "valid_to": "2026-06-30"},
        format="json",
    )  # fmt: skip
    assert temp.status_code == 201
    with pytest.raises(DomainError) as err:
        settlement_create(request=claim(person, sz, "500.00", "S3", out_of_region_filed=True))
    assert err.value.field == "out_of_region_filed" and "第十七条" in err.value.message
    # Unflagged: 500 × 10% = 50.00 first, (500 − 50) × 80% = 360.00.
    s, _ = settlement_create(request=claim(person, sz, "500.00", "S3"))
    assert (s.first_pay_amount, s.pool_paid, s.out_of_region_filed) == (
        D("50.00"),
        D("360.00"),
        False,
    )
    ended = client.post(
        f"{url}{temp.json()['id']}/end/",
        {"valid_to": "2026-03-02", "reason": "回本地"},
        format="json",
    )
    assert ended.status_code == 200 and ended.json()["valid_to"] == "2026-03-02"
    with pytest.raises(DomainError):
        settlement_create(
            request=claim(person, sz, "500.00", "S4", out_of_region_filed=True,
                          visit_date=date(2026, 3, 3))
        )  # fmt: skip


def test_person_page_shows_pooled_totals_against_each_maximum(seeded, client):
    # Issue 18 item 7: the person page shows outpatient and reported inpatient pooled totals
    # against each maximum (Wuhan 第十六条 3500; 第十九条 shared maximum, figure not set).
    from claims.services import inpatient_total_set

    person, hospital = person_in("420100"), hospital_in("420100")
    settlement_create(request=claim(person, hospital, "1200.00"))  # 400.00 pooled
    today = date.today()
    inpatient_total_set(
        person=person, year=today.year, pooled=D("2500.00"), as_of=today, source="住院结算系统"
    )
    client.force_login(UserFactory(roles=["clerk"]))
    page = client.get(
        f"/enrollment/persons/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "3,500.00" in page and "第十九条" in page and "2,500.00" in page
