"""The pure settlement calculator: worked examples from the seed texts (arithmetic in the test),
and Hypothesis properties. No database."""

import json
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claims.calculator import (
    Balances,
    Claim,
    InvalidClaim,
    Person,
    Policy,
    UnsetParameter,
    YearToDate,
    settle,
)
from policies.params import citation_of
from policies.services import SEEDS_DIR


def policy(name: str) -> Policy:
    data = json.loads((SEEDS_DIR / name).read_text(encoding="utf-8"))
    return Policy(
        document=data["document"],
        source=citation_of(data["source"], data["region"]["name"]),
        region_name=data["region"]["name"],
    )


BAOTOU = policy("150200_2023-01-01.json")
WUHAN = policy("420100_2023-01-01.json")
YUXI = policy("530400_2023-01-01.json")
TIBET = policy("540000_2022-01-01.json")
SHANGHAI = policy("310000_2023-07-01.json")
SICHUAN = policy("510000_2023-01-01.json")  # 第七条 from 2023-01 (通知一)
JILIN = policy("220000_2023-01-01.json")


def filled(base: Policy, **values) -> Policy:
    """A copy of a seeded policy with unset values filled, as the bureau's notice would (the
    figures in tests are test figures, not the documents')."""
    document = json.loads(json.dumps(base.document))
    for dotted, value in values.items():
        node = document
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[part]
        node[last] = value
    return Policy(document, base.source, base.region_name)


# Yuxi 第九条 leaves the inpatient ratio open; a bureau's fill (test figures).
YUXI_ABOVE_CAP = {
    "employee": {"1": "0.85", "2": "0.80", "3": "0.75"},
    "retiree": {"1": "0.90", "2": "0.85", "3": "0.80"},
}


EMPLOYEE, RETIREE = Person(rate_class="employee"), Person(rate_class="retiree")
NOTHING_USED = YearToDate()
ACCOUNT_1000 = Balances(own_account=D("1000.00"))


def general(total, level="2", **kwargs):
    return Claim(
        benefit="general_outpatient",
        total_amount=D(total),
        institution_level=level,
        **{k: (D(v) if k.endswith("_amount") else v) for k, v in kwargs.items()},
    )


def payers(b):
    return (b.pool_paid, b.account_paid, b.family_account_paid, b.cash_paid)


# --- Wuhan (第十四~十七条) ------------------------------------------------------------------------
def test_wuhan_employee_level_1_first_visit():
    # 1200 in policy; deductible 700 (第十四条); (1200 − 700) × 80% = 400.00 (第十五条).
    b = settle(general("1200.00", "1"), EMPLOYEE, NOTHING_USED, ACCOUNT_1000, WUHAN)
    assert (b.deductible_applied, b.pool_paid) == (D("700.00"), D("400.00"))
    assert payers(b) == (D("400.00"), D("800.00"), D("0"), D("0.00"))  # 800 from the account
    assert any("第十五条" in line.rule for line in b.explanation)


def test_wuhan_retiree_class_b_first_pay_and_self_pay():
    # total 1000, self-pay 100 → in-policy 900; class B 300 → first pay 300 × 10% = 30.00;
    # eligible 870; retiree deductible 500 already used 200 → 300; (870 − 300) × 68% = 387.60.
    b = settle(
        general("1000.00", "2", self_pay_amount="100.00", class_b_amount="300.00"),
        RETIREE,
        YearToDate(deductible_used=D("200.00")),
        Balances(own_account=D("50.00")),
        WUHAN,
    )
    assert (b.policy_amount, b.first_pay_amount, b.deductible_applied) == (
        D("900.00"),
        D("30.00"),
        D("300.00"),
    )
    assert b.pool_paid == D("387.60")
    assert payers(b) == (D("387.60"), D("50.00"), D("0"), D("562.40"))


def test_wuhan_cap_and_unfiled_out_of_region():
    # Out of region, not filed: first 10% of 2000 = 200.00 (第十七条); eligible 1800;
    # deductible already used up; 1800 × 50% = 900 but only 3500 − 3000 = 500 left (第十六条).
    b = settle(
        general("2000.00", "3", out_of_region=True),
        EMPLOYEE,
        YearToDate(deductible_used=D("700.00"), pooled=D("3000.00")),
        Balances(),
        WUHAN,
    )
    assert (b.first_pay_amount, b.pool_paid, b.cap) == (D("200.00"), D("500.00"), D("3500.00"))
    assert b.cash_paid == D("1500.00")  # no account given: all the rest in cash


def test_wuhan_filed_out_of_region_has_no_first_pay():
    b = settle(
        general("800.00", "1", out_of_region=True, out_of_region_filed=True),
        EMPLOYEE,
        YearToDate(deductible_used=D("700.00")),
        Balances(),
        WUHAN,
    )
    assert (b.first_pay_amount, b.pool_paid) == (D("0"), D("640.00"))  # 800 × 80%


def test_wuhan_arrears_get_no_pool():
    b = settle(general("500.00", "1"), Person(status="arrears"), NOTHING_USED, ACCOUNT_1000, WUHAN)
    assert b.pool_paid == 0 and b.account_paid == D("500.00") and "欠缴" in b.excluded


# --- Baotou (第八条, 第十条) -------------------------------------------------------------------------
def test_baotou_deductible_then_ratio_retiree_plus_5_points():
    # Retiree at level 3: (1500 − 1000) × (50% + 5) = 275.00.
    b = settle(general("1500.00", "3"), RETIREE, NOTHING_USED, Balances(), BAOTOU)
    assert (b.deductible_applied, b.ratio, b.pool_paid) == (D("1000.00"), D("0.55"), D("275.00"))


def test_baotou_excluded_during_inpatient_stay_and_under_chronic_benefits():
    for person in (
        Person(in_inpatient_stay=True),
        Person(under_chronic_benefits=True),
        Person(in_waiting_period=True),
    ):
        b = settle(general("3000.00", "1"), person, NOTHING_USED, Balances(), BAOTOU)
        assert b.pool_paid == 0 and b.cash_paid == D("3000.00")
        assert any("第十条" in line.rule for line in b.explanation)


def test_baotou_class_b_rate_unset_is_refused_naming_the_parameter():
    with pytest.raises(UnsetParameter) as err:
        settle(
            general("100.00", "1", class_b_amount="10.00"),
            EMPLOYEE,
            NOTHING_USED,
            Balances(),
            BAOTOU,
        )
    assert "class_b_first_pay_rate" in err.value.message


# --- Yuxi (第八~十一条) ------------------------------------------------------------------------------
def test_yuxi_per_visit_deductible():
    # Level 2: 60 per visit (第八条); (200 − 60) × 55% = 77.00; nothing carried to the next visit.
    b = settle(
        general("200.00", "2"), EMPLOYEE, YearToDate(deductible_used=D("999.00")), Balances(), YUXI
    )
    assert (b.deductible_applied, b.pool_paid) == (D("60.00"), D("77.00"))


def test_yuxi_non_designated_institution_pays_nothing():
    b = settle(general("200.00", "1", designated=False), EMPLOYEE, NOTHING_USED, Balances(), YUXI)
    assert b.pool_paid == 0 and "非定点" in b.excluded


def test_yuxi_chronic_cap_grows_per_disease():
    # Two certified diseases: cap 3000 + 1000 = 4000 (第十条); already pooled 3900 → 100 left.
    claim = Claim(
        benefit="chronic", total_amount=D("1000.00"), disease_code="E11", institution_level="1"
    )
    person = Person(certified=True, certified_chronic_diseases=2)
    b = settle(
        claim,
        person,
        YearToDate(deductible_used=D("300.00"), pooled=D("3900.00")),
        Balances(),
        YUXI,
    )
    assert (b.cap, b.pool_paid) == (D("4000.00"), D("100.00"))
    four = Person(certified=True, certified_chronic_diseases=4)  # 3000 + 3 × 1000 = 6000 → max 5000
    assert settle(claim, four, YearToDate(deductible_used=D("300.00")), Balances(), YUXI).cap == D(
        "5000.00"
    )


def test_yuxi_special_exempt_disease_n18():
    # N18: no deductible, 90% (第十一条): 2000 × 90% = 1800.00.
    claim = Claim(
        benefit="special", total_amount=D("2000.00"), disease_code="N18", institution_level="2"
    )
    b = settle(claim, Person(certified=True), NOTHING_USED, Balances(), YUXI)
    assert (b.deductible_applied, b.pool_paid) == (D("0"), D("1800.00"))


def test_yuxi_special_other_disease_needs_the_unset_inpatient_ratio():
    claim = Claim(
        benefit="special", total_amount=D("2000.00"), disease_code="C50", institution_level="2"
    )
    with pytest.raises(UnsetParameter):
        settle(claim, Person(certified=True), NOTHING_USED, Balances(), YUXI)


def test_chronic_without_certification_is_refused():
    claim = Claim(
        benefit="chronic", total_amount=D("100.00"), disease_code="I10", institution_level="1"
    )
    with pytest.raises(InvalidClaim) as err:
        settle(claim, Person(certified=False), NOTHING_USED, Balances(), YUXI)
    assert err.value.field == "disease_code"


# --- Tibet (第六条, 第十五条) ------------------------------------------------------------------------
def test_tibet_retiree_deductible_30_percent_lower():
    # Retiree deductible 300 × 70% = 210; level 2: (1210 − 210) × 80% = 800.00.
    b = settle(general("1210.00", "2"), RETIREE, NOTHING_USED, Balances(), TIBET)
    assert (b.deductible_applied, b.pool_paid) == (D("210.00"), D("800.00"))


def test_tibet_shared_payment_keeps_the_holder_floor():
    # Issue 6's example: 4000 in the holder's account, a 1500 claim paid for a relative (no pool
    # for a resident): 4000 − 3000 = 1000 from the account, 500 cash.
    claim = general("1500.00", "2", for_relative=True)
    b = settle(
        claim,
        Person(scheme="resident"),
        NOTHING_USED,
        Balances(holder_account=D("4000.00"), holder_floor=D("3000.00")),
        TIBET,
    )
    assert payers(b) == (D("0"), D("0"), D("1000.00"), D("500.00"))


# --- Shanghai, Sichuan, Jilin -----------------------------------------------------------------------
def test_shanghai_pre_2001_retiree_unlimited_cap():
    # Deductible 200, level 1 90%: (10200 − 200) × 90% = 9000.00, no cap.
    b = settle(
        general("10200.00", "1"),
        Person(rate_class="retiree_before_2001"),
        YearToDate(pooled=D("50000.00")),
        Balances(),
        SHANGHAI,
    )
    assert (b.pool_paid, b.cap) == (D("9000.00"), None)


def test_sichuan_pharmacy_ratio_and_unset_cap():
    claim = Claim(
        benefit="general_outpatient", total_amount=D("300.00"), institution_kind="pharmacy"
    )
    with pytest.raises(UnsetParameter) as err:
        settle(claim, EMPLOYEE, NOTHING_USED, Balances(), SICHUAN)
    assert "annual_cap" in err.value.message


def test_pharmacy_uses_the_prescribing_institution_level_in_yuxi_only():
    # Issue 18 item 3 (was: every region paid pharmacies at the prescriber's level, a Yuxi rule).
    # Yuxi 第二十三条: 外配处方 at a 双通道 pharmacy → the prescribing institution's level:
    # level 1 per-visit deductible 30 (第八条); (800 − 30) × 60% = 462.00.
    claim = Claim(
        benefit="general_outpatient",
        total_amount=D("800.00"),
        institution_kind="pharmacy",
        prescribing_level="1",
    )
    b = settle(claim, EMPLOYEE, NOTHING_USED, Balances(), YUXI)
    assert b.pool_paid == D("462.00") and any("第二十三条" in ln.rule for ln in b.explanation)
    no_prescription = Claim(
        benefit="general_outpatient", total_amount=D("800.00"), institution_kind="pharmacy"
    )
    assert settle(no_prescription, EMPLOYEE, NOTHING_USED, Balances(), YUXI).pool_paid == 0
    # Wuhan 第十三条 admits institutions only, pharmacies 逐步 (第二十三条): unset → refused.
    with pytest.raises(UnsetParameter) as err:
        settle(claim, EMPLOYEE, YearToDate(deductible_used=D("700.00")), Balances(), WUHAN)
    assert "pharmacy_rule" in err.value.message and "第二十三条" in err.value.message
    # Tibet 第十条: 具体结算办法由自治区医保部门另行制定 → unset.
    with pytest.raises(UnsetParameter) as err:
        settle(claim, EMPLOYEE, NOTHING_USED, Balances(), TIBET)
    assert "第十条" in err.value.message


def test_sichuan_pharmacy_pays_50_percent_like_level_3_whatever_the_prescriber():
    # Sichuan 第七条: 三级定点医疗机构和定点零售药店50%. A 2023 pooling-area fill of the cap
    # (3000) is needed to settle; (1200 − 200) × 50% = 500.00 although the prescriber is level 1.
    filled = json.loads(json.dumps(SICHUAN.document))
    filled["general_outpatient"]["annual_cap"] = {"employee": "3000.00", "retiree": "3000.00"}
    claim = Claim(
        benefit="general_outpatient",
        total_amount=D("1200.00"),
        institution_kind="pharmacy",
        prescribing_level="1",
    )
    b = settle(claim, EMPLOYEE, NOTHING_USED, Balances(), Policy(filled, SICHUAN.source))
    assert (b.ratio, b.pool_paid) == (D("0.50"), D("500.00"))


def test_jilin_retiree_ratio_is_unset():
    with pytest.raises(UnsetParameter):
        settle(general("500.00", "1"), RETIREE, NOTHING_USED, Balances(), JILIN)
    b = settle(general("500.00", "1"), EMPLOYEE, NOTHING_USED, Balances(), JILIN)
    assert b.pool_paid == D("120.00")  # (500 − 300) × 60%


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"self_pay_amount": D("2.00")}, "self_pay_amount"),
        ({"class_b_amount": D("1.50")}, "class_b_amount"),
        ({"total_amount": D("-1.00")}, "total_amount"),
        ({"total_amount": D("1.005")}, "total_amount"),
    ],
)
def test_contradictory_figures_are_refused(changes, field):
    base = {"benefit": "general_outpatient", "total_amount": D("1.00"), "institution_level": "1"}
    with pytest.raises(InvalidClaim) as err:
        settle(Claim(**{**base, **changes}), EMPLOYEE, NOTHING_USED, Balances(), WUHAN)
    assert err.value.field == field


# --- Properties ---------------------------------------------------------------------------------
amounts = st.decimals(min_value=D("0.00"), max_value=D("20000.00"), places=2)
policies = st.sampled_from([BAOTOU, WUHAN, None, TIBET, SHANGHAI])
levels = st.sampled_from(["1", "2", "3"])
classes = st.sampled_from(["employee", "retiree"])


@settings(max_examples=300, deadline=None)
@given(
    total=amounts,
    self_share=st.decimals(0, 1, places=2),
    used=amounts,
    pooled=amounts,
    balance=amounts,
    policy_=policies,
    level=levels,
    rate_class=classes,
)
def test_properties(total, self_share, used, pooled, balance, policy_, level, rate_class):
    if policy_ is None:  # Yuxi with its 第九条 above-cap ratio filled (issue 18 item 5)
        policy_ = filled(YUXI, general_outpatient__above_cap_ratio=YUXI_ABOVE_CAP)
    self_pay = (total * self_share).quantize(D("0.01"))
    claim = general(str(total), level, self_pay_amount=str(self_pay))
    person = Person(rate_class=rate_class)
    ytd = YearToDate(deductible_used=used, pooled=pooled)
    b = settle(claim, person, ytd, Balances(own_account=balance), policy_)
    assert b.pool_paid + b.account_paid + b.family_account_paid + b.cash_paid == total
    assert min(b.pool_paid, b.account_paid, b.cash_paid) >= 0
    eligible = b.policy_amount - b.first_pay_amount
    capped = b.pool_paid - b.pool_above_cap  # the part within the cap
    if b.ratio is not None:
        assert capped <= (eligible * b.ratio).quantize(D("0.01")) + D("0.01")
    if b.cap is not None:
        assert capped <= max(D("0"), b.cap - pooled)
    assert b.pool_above_cap <= eligible
    deductible = policy_.document["general_outpatient"]["deductible"]
    if policy_.document["general_outpatient"]["deductible_basis"] == "annual":
        assert used + b.deductible_applied <= max(used, D(deductible[rate_class]))
    more = settle(
        general(str(total + D("100.00")), level, self_pay_amount=str(self_pay)),
        person,
        ytd,
        Balances(own_account=balance),
        policy_,
    )
    assert more.pool_paid >= b.pool_paid  # more spending never lowers the pooled total


# --- More worked examples: at least five per seeded region ---------------------------------------
def test_baotou_employee_level_1_hits_the_4000_cap():
    # (9000 − 1000) × 70% = 5600 > 4000 (第八条: employee cap 4000).
    b = settle(general("9000.00", "1"), EMPLOYEE, NOTHING_USED, Balances(), BAOTOU)
    assert (b.pool_paid, b.cap, b.cash_paid) == (D("4000.00"), D("4000.00"), D("5000.00"))


def test_baotou_employee_level_2_with_deductible_partly_used():
    # 1000 − 600 used = 400 left; (900 − 400) × 60% = 300.00.
    b = settle(
        general("900.00", "2"),
        EMPLOYEE,
        YearToDate(deductible_used=D("600.00")),
        Balances(),
        BAOTOU,
    )
    assert (b.deductible_applied, b.pool_paid) == (D("400.00"), D("300.00"))


def test_tibet_employee_level_3_sixty_percent():
    # (1300 − 300) × 60% = 600.00 (第六条（二）).
    b = settle(general("1300.00", "3"), EMPLOYEE, NOTHING_USED, Balances(), TIBET)
    assert b.pool_paid == D("600.00")


def test_tibet_cap_3000_for_retirees_too():
    # (5000 − 210) × 80% = 3832 > 3000 − 500 already paid = 2500 (第六条（一）).
    b = settle(general("5000.00", "1"), RETIREE, YearToDate(pooled=D("500.00")), Balances(), TIBET)
    assert b.pool_paid == D("2500.00")


def test_tibet_floor_does_not_bind_the_holders_own_claim():
    # The holder's own 1500 claim (deductible not yet met: 300 of it, 70% of 1200 = 840 pooled)
    # is paid from the account down to 0, not to 3000.
    b = settle(
        general("1500.00", "2"),
        EMPLOYEE,
        NOTHING_USED,
        Balances(own_account=D("3100.00"), holder_floor=D("3000.00")),
        TIBET,
    )
    assert (b.pool_paid, b.account_paid, b.cash_paid) == (D("840.00"), D("660.00"), D("0.00"))


def test_shanghai_employee_level_2():
    # Deductible 500; (2500 − 500) × 75% = 1500.00 (主要任务（二）1).
    b = settle(general("2500.00", "2"), EMPLOYEE, NOTHING_USED, Balances(), SHANGHAI)
    assert (b.deductible_applied, b.pool_paid) == (D("500.00"), D("1500.00"))


def test_shanghai_retiree_after_2001_level_3():
    # Deductible 300; (1300 − 300) × 75% = 750.00 (主要任务（二）2(1)).
    b = settle(general("1300.00", "3"), RETIREE, NOTHING_USED, Balances(), SHANGHAI)
    assert b.pool_paid == D("750.00")


def test_shanghai_retiree_deductible_partly_used():
    # 300 − 250 = 50 left; level 1: (450 − 50) × 85% = 340.00.
    b = settle(
        general("450.00", "1"),
        RETIREE,
        YearToDate(deductible_used=D("250.00")),
        Balances(),
        SHANGHAI,
    )
    assert (b.deductible_applied, b.pool_paid) == (D("50.00"), D("340.00"))


def test_shanghai_pre_2001_retiree_level_3():
    # Deductible 200; (700 − 200) × 80% = 400.00 (主要任务（二）2(2)).
    b = settle(
        general("700.00", "3"),
        Person(rate_class="retiree_before_2001"),
        NOTHING_USED,
        Balances(),
        SHANGHAI,
    )
    assert b.pool_paid == D("400.00")


def test_sichuan_every_pooled_claim_needs_the_unset_cap():
    # 第七条 leaves the annual cap to the pooling areas: a claim that would be pooled is refused.
    for person, level in ((EMPLOYEE, "1"), (RETIREE, "3")):
        with pytest.raises(UnsetParameter) as err:
            settle(general("1000.00", level), person, NOTHING_USED, Balances(), SICHUAN)
        assert "annual_cap" in err.value.message and "第七条" in err.value.message


def test_sichuan_excluded_claim_needs_no_cap():
    # Waiting period (第七条: 待遇享受期内): no pooled payment, paid by account and cash.
    b = settle(
        general("500.00", "1"),
        Person(in_waiting_period=True),
        NOTHING_USED,
        Balances(own_account=D("200.00")),
        SICHUAN,
    )
    assert payers(b) == (D("0"), D("200.00"), D("0"), D("300.00"))


def test_sichuan_chronic_and_special_parameters_are_unset():
    chronic = Claim(
        benefit="chronic", total_amount=D("500.00"), disease_code="I10", institution_level="1"
    )
    with pytest.raises(UnsetParameter) as err:
        settle(chronic, Person(certified=True), NOTHING_USED, Balances(), SICHUAN)
    assert "chronic" in err.value.message
    special = Claim(
        benefit="special", total_amount=D("500.00"), disease_code="N18", institution_level="2"
    )
    with pytest.raises(UnsetParameter):
        settle(special, Person(certified=True), NOTHING_USED, Balances(), SICHUAN)


def test_jilin_employee_level_2_and_cap_2000():
    # (4000 − 300) × 55% = 2035 > 2000 (二（二）, ceiling values).
    b = settle(general("4000.00", "2"), EMPLOYEE, NOTHING_USED, Balances(), JILIN)
    assert (b.pool_paid, b.cap) == (D("2000.00"), D("2000.00"))


def test_jilin_chronic_ratio_is_unset_and_deductible_shared():
    claim = Claim(
        benefit="chronic", total_amount=D("800.00"), disease_code="I10", institution_level="1"
    )
    with pytest.raises(UnsetParameter) as err:
        settle(
            claim,
            Person(certified=True),
            YearToDate(deductible_used=D("300.00")),
            Balances(),
            JILIN,
        )
    assert "chronic.ratio" in err.value.message


def test_jilin_chronic_priority_is_not_an_exclusion_but_the_stay_is():
    # Issue 18 item 2 (was: a certified chronic patient got no general outpatient at all).
    # Jilin 六（三）: chronic benefits come first where both apply to the same costs — a priority;
    # a certified patient's general-outpatient claim for other care is paid:
    # (800 − 300) × 60% (二（二）, level 1) = 300.00.
    b = settle(general("800.00", "1"), Person(under_chronic_benefits=True), NOTHING_USED,
               Balances(), JILIN)  # fmt: skip
    assert b.pool_paid == D("300.00") and b.excluded is None
    # 住院期间不再享受普通门诊和门诊慢特病待遇 (六（三）): general, chronic and special alike.
    b = settle(general("800.00", "1"), Person(in_inpatient_stay=True), NOTHING_USED, Balances(),
               JILIN)  # fmt: skip
    assert b.pool_paid == 0 and any("六（三）" in line.rule for line in b.explanation)


def test_baotou_exclusions_cover_only_general_outpatient():
    # Issue 18 item 1: Baotou 第十条 lists its exclusions for 门诊统筹待遇 only. With the chronic
    # figures filled (test figures: 300 deductible, 60 %, cap 3000), a certified chronic patient
    # in the waiting period, in arrears or in hospital is paid: (1300 − 300) × 60% = 600.00.
    chronic_filled = filled(
        BAOTOU,
        chronic__deductible="300.00",
        chronic__ratio="0.60",
        chronic__cap_max="3000.00",
    )
    claim = Claim(benefit="chronic", total_amount=D("1300.00"), disease_code="I10",
                  institution_level="2")  # fmt: skip
    for person in (
        Person(certified=True, in_waiting_period=True),
        Person(certified=True, status="arrears"),
        Person(certified=True, in_inpatient_stay=True),
    ):
        assert settle(claim, person, NOTHING_USED, Balances(), chronic_filled).pool_paid == D(
            "600.00"
        )
    # ...while its general outpatient is excluded (第十条（一）（四）).
    b = settle(general("3000.00", "1"), Person(status="arrears"), NOTHING_USED, Balances(), BAOTOU)
    assert b.pool_paid == 0 and "欠缴" in b.excluded


def test_exclusions_apply_only_where_the_region_lists_them():
    # Issue 18 item 1: Tibet's 第六条 lists no exclusion (an earlier reading quoted 待遇享受期内,
    # which is Sichuan 第七条's wording, not Tibet's: corrected in the fidelity review), so
    # arrears, an inpatient stay, suspension or a waiting period do not stop its general
    # outpatient: (1300 − 300) × 70% = 700.00.
    for person in (
        Person(status="arrears"),
        Person(in_inpatient_stay=True),
        Person(status="suspended"),
        Person(in_waiting_period=True),
    ):
        b = settle(general("1300.00", "1"), person, NOTHING_USED, Balances(), TIBET)
        assert b.pool_paid == D("700.00")
    # Sichuan 第七条 (在待遇享受期内, read as not suspended; marked interpretation) does.
    b = settle(general("500.00", "1"), Person(status="suspended"), NOTHING_USED, Balances(),
               SICHUAN)  # fmt: skip
    assert b.pool_paid == 0 and "第七条" in b.explanation[-2].rule
    assert SICHUAN.document["sources"]["general_outpatient.exclusions"]["from"] == "interpretation"
    # Baotou 第十条 does not list suspension: (2000 − 1000) × 70% = 700.00.
    b = settle(
        general("2000.00", "1"), Person(status="suspended"), NOTHING_USED, Balances(), BAOTOU
    )
    assert b.pool_paid == D("700.00")


def test_discharge_day_is_not_inside_the_stay():
    # Issue 18 item 1: Baotou 第十条（二） 住院期间, read as the stay's days are counted
    # 算入不算出 (admission day in, discharge day out; marked interpretation): an outpatient
    # visit on the discharge day is paid: (1500 − 1000) × 70% = 350.00.
    b = settle(general("1500.00", "1"), Person(on_discharge_day=True), NOTHING_USED, Balances(),
               BAOTOU)  # fmt: skip
    assert b.pool_paid == D("350.00")
    assert (
        BAOTOU.document["sources"]["general_outpatient.inpatient_stay_includes_discharge_day"][
            "from"
        ]
        == "interpretation"
    )
    # A region that counts the discharge day in: excluded, the line says so.
    inside = filled(BAOTOU, general_outpatient__inpatient_stay_includes_discharge_day=True)
    b = settle(general("1500.00", "1"), Person(on_discharge_day=True), NOTHING_USED, Balances(),
               inside)  # fmt: skip
    assert b.pool_paid == 0 and "出院当日" in b.excluded


def test_yuxi_f20_and_retiree_per_visit():
    claim = Claim(
        benefit="special", total_amount=D("1000.00"), disease_code="F20", institution_level="3"
    )
    assert settle(claim, Person(certified=True), NOTHING_USED, Balances(), YUXI).pool_paid == D(
        "900.00"
    )
    # Retiree, level 3: 90 per visit; (390 − 90) × 55% = 165.00.
    assert settle(general("390.00", "3"), RETIREE, NOTHING_USED, Balances(), YUXI).pool_paid == D(
        "165.00"
    )


# --- Issue 18: special caps, Yuxi above 6000, class B, levels ----------------------------------
def test_special_cap_is_not_hard_coded_unlimited():
    # Issue 18 item 4. Tibet 第七条 gives no special-disease standard: with deductible and ratio
    # filled (test figures) the claim is still refused for want of special.annual_cap.
    tibet = filled(
        TIBET, special__deductible="0.00", special__ratio_by_level={"1": "0.8", "2": "0.8",
                                                                    "3": "0.8"}
    )  # fmt: skip
    claim = Claim(benefit="special", total_amount=D("1000.00"), disease_code="N18",
                  institution_level="2")  # fmt: skip
    with pytest.raises(UnsetParameter) as err:
        settle(claim, Person(certified=True), NOTHING_USED, Balances(), tibet)
    assert "special.annual_cap" in err.value.message
    # Yuxi 第十一条: the special maximum is counted with the inpatient annual maximum
    # (combined_annual_max, no figure in the seed): N18 2000 × 90% = 1800.00 settled, and the
    # explanation names the maximum and says its figure is not set.
    n18 = Claim(benefit="special", total_amount=D("2000.00"), disease_code="N18",
                institution_level="2")  # fmt: skip
    b = settle(n18, Person(certified=True), NOTHING_USED, Balances(), YUXI)
    assert b.pool_paid == D("1800.00")
    line = next(ln for ln in b.explanation if ln.step == "combined_max")
    assert "第十一条" in line.rule and "与住院合并计算" in line.rule and "未设定" in line.rule
    # The slip is read by people: the parameter's Chinese name, not its path (issue 19).
    assert "combined_annual_max" not in line.rule
    # With the figure filled (test figure 100000 for employees), 99000 already paid in the year
    # (inpatient included): only 1000.00 is left.
    capped = filled(YUXI, combined_annual_max__employee="100000.00")
    b = settle(n18, Person(certified=True), YearToDate(combined_pooled=D("99000.00")),
               Balances(), capped)  # fmt: skip
    assert b.pool_paid == D("1000.00") and b.cash_paid == D("1000.00")


def test_yuxi_above_6000_needs_the_inpatient_ratio_then_pays_the_excess():
    # Issue 18 item 5. Yuxi 第九条: in-policy costs above the 6000 cap are paid at the inpatient
    # ratio of the institution visited (unset in the seed): a claim crossing the cap is refused
    # naming the parameter.
    claim = general("1090.00", "3")
    ytd = YearToDate(pooled=D("5800.00"))
    with pytest.raises(UnsetParameter) as err:
        settle(claim, EMPLOYEE, ytd, Balances(), YUXI)
    assert "above_cap_ratio" in err.value.message and "第九条" in err.value.message
    # A claim that stays under the cap needs no such figure: (390 − 90) × 50% = 150.00.
    assert settle(general("390.00", "3"), EMPLOYEE, ytd, Balances(), YUXI).pool_paid == D("150.00")
    # Filled (test figure 75 % at level 3): per visit 90; base 1000; room 6000 − 5800 = 200 pays
    # 200 / 0.50 = 400.00 of costs; the other 600.00 × 75% = 450.00; pool 650.00.
    b = settle(claim, EMPLOYEE, ytd, Balances(),
               filled(YUXI, general_outpatient__above_cap_ratio=YUXI_ABOVE_CAP))  # fmt: skip
    assert (b.pool_paid, b.pool_above_cap, b.cash_paid) == (
        D("650.00"), D("450.00"), D("440.00")
    )  # fmt: skip
    assert any(ln.step == "above_cap" and "第九条" in ln.rule for ln in b.explanation)


def test_class_b_first_pay_only_where_the_document_applies_it():
    # Issue 18 item 9. Wuhan 第十五条 (general-outpatient chapter): class B first 10 %. A chronic
    # claim is not charged it; with chronic filled (test figures: deductible 0, 80 %, cap 5000):
    # 1000 × 80% = 800.00, no first pay.
    wuhan = filled(WUHAN, chronic__deductible="0.00", chronic__ratio="0.80",
                   chronic__cap_max="5000.00")  # fmt: skip
    claim = Claim(benefit="chronic", total_amount=D("1000.00"), class_b_amount=D("400.00"),
                  disease_code="I10", institution_level="2")  # fmt: skip
    b = settle(claim, Person(certified=True), NOTHING_USED, Balances(), wuhan)
    assert (b.first_pay_amount, b.pool_paid) == (D("0"), D("800.00"))
    # Yuxi's class-B rate is unset: a chronic claim with class-B items is no longer refused.
    # (1300 − 300) × 80% = 800.00 (第十条).
    yuxi = Claim(benefit="chronic", total_amount=D("1300.00"), class_b_amount=D("500.00"),
                 disease_code="I10", institution_level="1")  # fmt: skip
    assert settle(yuxi, Person(certified=True), NOTHING_USED, Balances(), YUXI).pool_paid == D(
        "800.00"
    )


def test_special_claim_below_the_minimum_level_is_refused_naming_the_rule():
    # Issue 18 item 14. Yuxi 第十一条: special diseases at level 2 or above. At level 1 the claim
    # is refused naming the rule (was: settled with 0 pooled).
    from claims.calculator import NotAdmitted

    claim = Claim(benefit="special", total_amount=D("1000.00"), disease_code="N18",
                  institution_level="1")  # fmt: skip
    with pytest.raises(NotAdmitted) as err:
        settle(claim, Person(certified=True), NOTHING_USED, Balances(), YUXI)
    assert "第十一条" in err.value.message and "special.min_level" in err.value.message
    # Jilin 一: chronic diseases 原则上在二级及以下: a chronic claim at level 3 is refused;
    # special diseases at 专科医疗机构 of any level are admitted.
    chronic = Claim(benefit="chronic", total_amount=D("500.00"), disease_code="I10",
                    institution_level="3")  # fmt: skip
    with pytest.raises(NotAdmitted) as err:
        settle(chronic, Person(certified=True), NOTHING_USED, Balances(), JILIN)
    assert "chronic.max_level" in err.value.message
    jilin = filled(JILIN, special__deductible="0.00",
                   special__ratio_by_level={"1": "0.80", "2": "0.80", "3": "0.80"})  # fmt: skip
    specialist = Claim(benefit="special", total_amount=D("500.00"), disease_code="N18",
                       institution_level="1", specialist=True)  # fmt: skip
    assert settle(
        specialist, Person(certified=True), NOTHING_USED, Balances(), jilin
    ).pool_paid == D("400.00")


def test_every_explanation_line_names_the_document_and_its_article():
    # Issue 18 item 15: Yuxi's source starts with its title (no 文号): lines cite the title, not
    # the region's name; every line names an article. Yuxi level 1: per visit 30 (第八条);
    # (230 − 30) × 60% = 120.00; 110.00 from the account (第十六条、第二十条).
    assert YUXI.source == "《玉溪市职工基本医疗保险门诊共济保障实施细则》"
    b = settle(general("230.00", "1"), EMPLOYEE, NOTHING_USED, ACCOUNT_1000, YUXI)
    assert b.pool_paid == D("120.00")
    for line in b.explanation:
        assert line.rule.startswith(YUXI.source) and "第" in line.rule, line
    wuhan = settle(general("1200.00", "1"), EMPLOYEE, NOTHING_USED, ACCOUNT_1000, WUHAN)
    for line in wuhan.explanation:
        assert line.rule.startswith("《武汉市职工基本医疗保险门诊共济保障实施细则》"), line
        assert "第" in line.rule, line


def test_groups_left_to_a_later_rule_get_no_standard_value():
    # Issue 18 item 14. Sichuan 第七条: for 单建统筹 at a rate below the 统账结合 employer rate
    # the general-outpatient benefit is 由各统筹地区结合本地实际自行确定: refused naming it
    # (the 200 / 60 % standard is not theirs).
    claim = general("1200.00", "1")
    with pytest.raises(UnsetParameter) as err:
        settle(claim, Person(rule_group="single_pooling_lower_rate"), NOTHING_USED, Balances(),
               SICHUAN)  # fmt: skip
    assert "later_rule_groups.single_pooling_lower_rate" in err.value.message
    assert "第七条" in err.value.message


def test_a_residents_no_pool_line_cites_the_document_not_an_internal_note():
    # The slip a bureau hands out printed "DESIGN.md scheme: resident" as this line's basis.
    claim = general("1500.00", "2", for_relative=True)
    b = settle(
        claim,
        Person(scheme="resident"),
        NOTHING_USED,
        Balances(holder_account=D("4000.00"), holder_floor=D("3000.00")),
        TIBET,
    )
    rule = next(line.rule for line in b.explanation if "城乡居民医保" in line.rule)
    assert "DESIGN" not in rule
    assert "职工基本医疗保险门诊共济保障机制" in rule
