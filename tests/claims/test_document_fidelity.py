"""Article-by-article check of the seeded policies against the documents' texts
(/work/shared/seeds/*.txt): each rule applied only where its document states it. Worked
examples with the arithmetic and the article (pure, but for the filing registry test)."""

import json
from decimal import Decimal as D

import pytest

from claims.calculator import Balances, Claim, Person, YearToDate, settle
from tests.claims.test_calculator import (
    BAOTOU,
    SHANGHAI,
    SICHUAN,
    TIBET,
    WUHAN,
    YUXI,
    policy,
)

NOTHING_USED = YearToDate()


def general(total: str, level: str = "1") -> Claim:
    return Claim(benefit="general_outpatient", total_amount=D(total), institution_level=level)


# --- Waiting period and suspension (待遇等待期 / 暂停参保) -------------------------------------------
# Only two documents state them: Baotou 第十条（一） "待遇等待期间" and Sichuan 第七条 "参加职工医保
# 并在待遇享受期内的人员". Tibet 第六条, Wuhan 第十一、十三条, Shanghai 主要任务（二） and Yuxi 第八条 say
# neither (their files quoted "待遇享受期内", which is not in those texts), so a person in a
# waiting period or suspended is paid as the document's benefit reads.
SILENT = [
    # Tibet 第六条: 起付 300, 二级以下 70 %: (1300 − 300) × 70% = 700.00.
    ("Tibet 第六条", TIBET, "1300.00", "1", D("700.00")),
    # Wuhan 第十四、十五条: 起付 700, 一级 80 %: (1200 − 700) × 80% = 400.00.
    ("Wuhan 第十四、十五条", WUHAN, "1200.00", "1", D("400.00")),
    # Shanghai 主要任务（二）1: 自负段 500, 一级 80 %: (1000 − 500) × 80% = 400.00.
    ("Shanghai 主要任务（二）", SHANGHAI, "1000.00", "1", D("400.00")),
    # Shanghai's 2023-01-01 version has no standard yet; its earlier versions are the same list.
    # Yuxi 第八条: 一级 按次起付 30, 60 %: (1000 − 30) × 60% = 582.00.
    ("Yuxi 第八条", YUXI, "1000.00", "1", D("582.00")),
]


@pytest.mark.parametrize("name,region,total,level,paid", SILENT, ids=[s[0] for s in SILENT])
def test_silent_documents_do_not_exclude_the_waiting_period_or_suspension(
    name, region, total, level, paid
):
    for person in (Person(in_waiting_period=True), Person(status="suspended")):
        b = settle(general(total, level), person, NOTHING_USED, Balances(), region)
        assert (b.excluded, b.pool_paid) == (None, paid), name


def test_the_documents_that_state_them_still_exclude():
    # Baotou 第十条（一） 待遇等待期间: no pooled payment, the line cites 第十条.
    b = settle(general("3000.00"), Person(in_waiting_period=True), NOTHING_USED, Balances(),
               BAOTOU)  # fmt: skip
    assert b.pool_paid == 0 and "第十条" in b.explanation[-2].rule
    # Sichuan 第七条 在待遇享受期内 (read as: not in the waiting period, not suspended).
    for person in (Person(in_waiting_period=True), Person(status="suspended")):
        b = settle(general("500.00"), person, NOTHING_USED, Balances(), SICHUAN)
        assert b.pool_paid == 0 and "第七条" in b.explanation[-2].rule


def test_wuhan_arrears_stays_a_marked_reading_of_article_11():
    # Wuhan 第十一条: 用人单位未按照规定缴纳职工医保费，给在职职工和退休人员造成损失的，由用人单位
    # 承担医疗费用相关赔偿 — read as no pooled payment during arrears (marked interpretation).
    b = settle(general("1200.00"), Person(status="arrears"), NOTHING_USED, Balances(), WUHAN)
    assert b.pool_paid == 0 and "第十一条" in b.explanation[-2].rule
    source = WUHAN.document["sources"]["general_outpatient.exclusions"]
    assert source["from"] == "interpretation" and "待遇享受期" not in source["note"]


@pytest.mark.parametrize(
    "name",
    [
        "310000_2022-02-01.json",
        "310000_2022-07-01.json",
        "310000_2023-01-01.json",
        "310000_2023-07-01.json",
        "540000_2022-01-01.json",
        "420100_2023-01-01.json",
        "530400_2023-01-01.json",
    ],
)
def test_no_waiting_period_or_suspension_where_the_text_has_none(name):
    exclusions = policy(name).document["general_outpatient"]["exclusions"]
    assert not {"waiting_period", "suspended"} & set(exclusions)


# --- Out-of-region filings (异地就医备案): which filings a document counts as filed ------------------
@pytest.mark.django_db
def test_wuhan_counts_only_long_term_filings_as_filed():
    # Wuhan 第十七条: 办理异地安置、常驻异地、异地长期居住备案的参保人员 … 按照本细则第十四条、第十五条、
    # 第十六条规定执行; 参保人员因其他情形在本市统筹范围以外医疗机构发生的普通门诊医疗费用，个人先支付
    # 10%. A temporary filing (临时备案) is 其他情形: at 深圳市 under a temporary filing to 广东省,
    # 500.00 pays 500 × 10% = 50.00 first, then (500 − 50) × 80% = 360.00 (level 1; the deductible
    # already used at home). Before this review the temporary filing counted: 0 first, 400.00.
    from datetime import date

    from claims.settlement import settlement_create
    from enrollment.services import filing_record
    from policies.models import Region
    from policies.services import policies_load_seeds
    from staff.errors import DomainError
    from tests.claims.test_document_rules import claim, hospital_in, person_in
    from tests.claims.test_out_of_region import _region, steps
    from tests.factories import InstitutionFactory

    policies_load_seeds()
    person = person_in("420100")
    _region("440000", "广东省")
    shenzhen = _region("440300", "深圳市")
    filing_record(
        person=person,
        kind="temporary",
        region=Region.objects.get(code="440000"),
        valid_from=date(2026, 3, 1),
        valid_to=date(2026, 6, 30),
    )
    settlement_create(request=claim(person, hospital_in("420100"), "700.00", "L1"))
    sz = InstitutionFactory(region=shenzhen, level="1")
    s, _ = settlement_create(request=claim(person, sz, "500.00", "T1"))
    assert (s.out_of_region_filed, s.first_pay_amount, s.pool_paid) == (
        False,
        D("50.00"),
        D("360.00"),
    )
    rule = steps(s)["out_of_region_filing_not_counted"]
    assert "第十七条" in rule and "临时备案（广东省）" in rule
    assert "第十七条" in steps(s)["out_of_region_first_pay"]
    # A claim flagged filed disagrees with the document's list: refused naming the article.
    with pytest.raises(DomainError) as err:
        settlement_create(request=claim(person, sz, "500.00", "T2", out_of_region_filed=True))
    assert err.value.field == "out_of_region_filed" and "第十七条" in err.value.message


def test_documents_that_name_no_filing_kind_leave_the_key_out():
    # Baotou 第十五条 (跨省异地长期居住、跨省临时外出就医) and Jilin 三 (备案后) count both kinds;
    # Wuhan 第十七条 only long-term filings; Sichuan, Shanghai and Tibet name none.
    kinds = {
        name: (policy(name).document.get("out_of_region") or {}).get("filing_kinds", "absent")
        for name in (
            "150200_2023-01-01.json",
            "220000_2023-01-01.json",
            "420100_2023-01-01.json",
            "540000_2022-01-01.json",
            "510000_2023-01-01.json",
            "310000_2023-07-01.json",
        )
    }
    assert kinds == {
        "150200_2023-01-01.json": ["long_term", "temporary"],
        "220000_2023-01-01.json": ["long_term", "temporary"],
        "420100_2023-01-01.json": ["long_term"],
        "540000_2022-01-01.json": "absent",
        "510000_2023-01-01.json": "absent",
        "310000_2023-07-01.json": "absent",
    }


# --- Non-designated institutions (非定点医药机构) -------------------------------------------------
# The calculator refused pooled payment at a non-designated institution in every region, citing
# no article ("定点医药机构管理"). Each document that states it now lists it with its article;
# where a document is silent (Shanghai 主要任务) the claim is refused, not guessed.
STATED = [
    # (file, benefit's exclusions, article)
    ("150200_2023-01-01.json", "general_outpatient", "第十四条"),
    ("510000_2023-01-01.json", "general_outpatient", "第六条"),
    ("420100_2023-01-01.json", "general_outpatient", "第十三条"),
    ("540000_2022-01-01.json", "general_outpatient", "第六条"),
    ("220000_2023-01-01.json", "general_outpatient", "一"),
    ("220000_2023-01-01.json", "chronic", "一"),
    ("220000_2023-01-01.json", "special", "一"),
    ("530400_2023-01-01.json", "general_outpatient", "第八条"),
    ("530400_2023-01-01.json", "chronic", "第八条"),
    ("530400_2023-01-01.json", "special", "第八条"),
]


@pytest.mark.parametrize("name,section,article", STATED)
def test_non_designated_is_listed_with_its_article(name, section, article):
    document = policy(name).document
    assert "non_designated" in document[section]["exclusions"]
    assert article in document["sources"][f"{section}.exclusions"]["article"]


def test_non_designated_cites_the_documents_article():
    # Wuhan 第十三条: 参保人员在定点一级及以上医疗机构…门诊就医 … 由统筹基金按比例支付. At a
    # non-designated clinic: no pooled payment, the line cites 第十三条; 1200.00 all in cash.
    claim = Claim(benefit="general_outpatient", total_amount=D("1200.00"),
                  institution_level="1", designated=False)  # fmt: skip
    b = settle(claim, Person(), NOTHING_USED, Balances(), WUHAN)
    assert (b.pool_paid, b.cash_paid) == (D("0"), D("1200.00"))
    assert "第十三条" in b.explanation[-2].rule and "非定点" in b.excluded


def test_a_silent_document_refuses_a_non_designated_claim():
    # Shanghai 主要任务（二） pays by the level of 医疗机构 and says nothing of non-designated ones:
    # refused naming the parameter, not settled at 0 (nor paid 80 %).
    from claims.calculator import NotAdmitted

    claim = Claim(benefit="general_outpatient", total_amount=D("1000.00"),
                  institution_level="1", designated=False)  # fmt: skip
    with pytest.raises(NotAdmitted) as err:
        settle(claim, Person(), NOTHING_USED, Balances(), SHANGHAI)
    assert "general_outpatient.exclusions" in err.value.message
    assert "主要任务（二）" in err.value.message


# --- Values the calculator filled in where the policy gives none ---------------------------------
def test_a_per_visit_deductible_for_pharmacies_is_not_borrowed_from_level_1():
    # Yuxi 第八条 gives per-visit deductibles by hospital level only (一级30、二级60、三级90元).
    # A version that paid pharmacies at their own ratio (test figures: pharmacy_ratio, 55 %) and
    # gave no pharmacy deductible was settled with level 1's 30.00; now refused naming
    # general_outpatient.deductible.pharmacy.
    from claims.calculator import UnsetParameter
    from tests.claims.test_calculator import filled

    yuxi = filled(
        YUXI,
        general_outpatient__pharmacy_rule="pharmacy_ratio",
        general_outpatient__ratio__employee__pharmacy="0.55",
    )
    claim = Claim(benefit="general_outpatient", total_amount=D("100.00"),
                  institution_kind="pharmacy")  # fmt: skip
    with pytest.raises(UnsetParameter) as err:
        settle(claim, Person(), NOTHING_USED, Balances(), yuxi)
    assert "general_outpatient.deductible.pharmacy" in err.value.message
    # Given (test figure 20.00): (100 − 20) × 55% = 44.00.
    yuxi = filled(yuxi, general_outpatient__deductible__pharmacy="20.00")
    assert settle(claim, Person(), NOTHING_USED, Balances(), yuxi).pool_paid == D("44.00")


def test_a_missing_per_disease_increment_is_not_zero():
    # Yuxi 第十条: 单个病种 3000, 每增加一个病种增加1000, 最高 5000. Two certified diseases:
    # cap 3000 + 1000 = 4000; 6000 in policy: (6000 − 300) × 80% = 4560 → 4000.00.
    claim = Claim(benefit="chronic", total_amount=D("6000.00"), disease_code="I10",
                  institution_level="2")  # fmt: skip
    two = Person(certified=True, certified_chronic_diseases=2)
    assert settle(claim, two, NOTHING_USED, Balances(), YUXI).pool_paid == D("4000.00")
    # With the increment unset (a version leaving it to the bureau) the second disease's
    # share is not read as 0 (cap 3000): refused naming the parameter.
    from claims.calculator import UnsetParameter
    from tests.claims.test_calculator import filled

    unset = filled(YUXI, chronic__cap_per_additional_disease=None)
    with pytest.raises(UnsetParameter) as err:
        settle(claim, two, NOTHING_USED, Balances(), unset)
    assert "chronic.cap_per_additional_disease" in err.value.message


def test_wuhan_special_diseases_have_their_own_annual_limit_unset():
    # Wuhan 第十九条: 普通门诊统筹支付限额与住院、门诊慢特病…的年度支付限额分别计算，合并计入职工医保统筹
    # 基金年度最高支付限额 — chronic/special diseases have an annual limit of their own (按本市现行
    # 政策, 第二十四条: not in this document), besides the combined maximum. The file left
    # special.annual_cap out, so a filled special benefit (test figures: 800, 80 %) was paid
    # without a limit: 10000 → (10000 − 800) × 80% = 7360.00. Now: unset, refused naming it.
    from claims.calculator import UnsetParameter
    from tests.claims.test_calculator import filled

    assert WUHAN.document["special"]["annual_cap"] is None
    wuhan = filled(
        WUHAN,
        special__deductible="800.00",
        special__ratio_by_level={"1": "0.80", "2": "0.80", "3": "0.80"},
    )
    claim = Claim(benefit="special", total_amount=D("10000.00"), disease_code="N18",
                  institution_level="3")  # fmt: skip
    with pytest.raises(UnsetParameter) as err:
        settle(claim, Person(certified=True), NOTHING_USED, Balances(), wuhan)
    assert "special.annual_cap" in err.value.message and "第十九条" in err.value.message


def test_sichuan_general_outpatient_standard_starts_with_the_pooling_areas_rules():
    # 川办发〔2021〕85号 通知一: 确保在2022年10月底前出台实施细则，2023年1月开始施行. 第七条's standard
    # (起付线 200/150, 60 %/50 %, 药店 50 %) is carried out by the pooling areas' rules from
    # 2023-01; in 2022 the old rules applied (not entered here), as the file already said for
    # the accounts (第四条). The 2022 version now leaves 第七条's figures unset, citing 通知一;
    # with a cap filled for 2022 (test figure 3000) a claim was paid (1200 − 200) × 60% = 600.00
    # under a standard not yet in force; now refused naming the parameter.
    from claims.calculator import UnsetParameter
    from tests.claims.test_calculator import filled

    sichuan_2022 = policy("510000_2022-02-01.json")
    capped = filled(
        sichuan_2022, general_outpatient__annual_cap={"employee": "3000.00", "retiree": "3000.00"}
    )
    with pytest.raises(UnsetParameter) as err:
        settle(general("1200.00"), Person(), NOTHING_USED, Balances(), capped)
    assert "general_outpatient.deductible.employee" in err.value.message
    assert "通知一" in err.value.message
    # From 2023-01-01 (the same 第七条), with the pooling area's cap (test figure 3000):
    # (1200 − 200) × 60% = 600.00.
    sichuan_2023 = filled(
        policy("510000_2023-01-01.json"),
        general_outpatient__annual_cap={"employee": "3000.00", "retiree": "3000.00"},
    )
    b = settle(general("1200.00"), Person(), NOTHING_USED, Balances(), sichuan_2023)
    assert b.pool_paid == D("600.00")


def test_class_b_scope_is_read_from_the_document_not_assumed():
    # Wuhan 第十五条 (in 第三章 建立普通门诊统筹): 乙类 个人先支付10% — general outpatient, as the file
    # says (class_b_applies_to). 1000 in policy, 300 class B: 30.00 first; (970 − 700) × 80% = 216.00.
    claim = Claim(benefit="general_outpatient", total_amount=D("1000.00"),
                  class_b_amount=D("300.00"), institution_level="1")  # fmt: skip
    b = settle(claim, Person(), NOTHING_USED, Balances(), WUHAN)
    assert (b.first_pay_amount, b.pool_paid) == (D("30.00"), D("216.00"))
    # A version without the list was read as "general outpatient" by the calculator's own
    # default; now refused naming the parameter.
    from claims.calculator import Policy, UnsetParameter

    document = json.loads(json.dumps(WUHAN.document))
    del document["general_outpatient"]["class_b_applies_to"]
    with pytest.raises(UnsetParameter) as err:
        settle(claim, Person(), NOTHING_USED, Balances(), Policy(document, WUHAN.source, "武汉市"))
    assert "class_b_applies_to" in err.value.message
