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
from policies.services import SEEDS_DIR


def policy(name: str) -> Policy:
    data = json.loads((SEEDS_DIR / name).read_text(encoding="utf-8"))
    return Policy(
        document=data["document"],
        source=data["source"].split("《")[0] or data["region"]["name"],
        region_name=data["region"]["name"],
    )


BAOTOU = policy("150200_2023-01-01.json")
WUHAN = policy("420100_2023-01-01.json")
YUXI = policy("530400_2023-01-01.json")
TIBET = policy("540000_2022-01-01.json")
SHANGHAI = policy("310000_2023-07-01.json")
SICHUAN = policy("510000_2022-02-01.json")
JILIN = policy("220000_2023-01-01.json")

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


def test_pharmacy_uses_the_prescribing_institution_level():
    claim = Claim(
        benefit="general_outpatient",
        total_amount=D("800.00"),
        institution_kind="pharmacy",
        prescribing_level="1",
    )
    b = settle(claim, EMPLOYEE, YearToDate(deductible_used=D("700.00")), Balances(), WUHAN)
    assert b.pool_paid == D("640.00")  # 800 × 80% (level 1)
    no_prescription = Claim(
        benefit="general_outpatient", total_amount=D("800.00"), institution_kind="pharmacy"
    )
    assert settle(no_prescription, EMPLOYEE, NOTHING_USED, Balances(), WUHAN).pool_paid == 0


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
policies = st.sampled_from([BAOTOU, WUHAN, YUXI, TIBET, SHANGHAI])
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
    self_pay = (total * self_share).quantize(D("0.01"))
    claim = general(str(total), level, self_pay_amount=str(self_pay))
    person = Person(rate_class=rate_class)
    ytd = YearToDate(deductible_used=used, pooled=pooled)
    b = settle(claim, person, ytd, Balances(own_account=balance), policy_)
    assert b.pool_paid + b.account_paid + b.family_account_paid + b.cash_paid == total
    assert min(b.pool_paid, b.account_paid, b.cash_paid) >= 0
    eligible = b.policy_amount - b.first_pay_amount
    if b.ratio is not None:
        assert b.pool_paid <= (eligible * b.ratio).quantize(D("0.01")) + D("0.01")
    if b.cap is not None:
        assert b.pool_paid <= max(D("0"), b.cap - pooled)
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


def test_jilin_no_general_outpatient_under_chronic_benefits_or_in_hospital():
    for person in (Person(under_chronic_benefits=True), Person(in_inpatient_stay=True)):
        b = settle(general("800.00", "1"), person, NOTHING_USED, Balances(), JILIN)
        assert b.pool_paid == 0 and any("六（三）" in line.rule for line in b.explanation)


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
