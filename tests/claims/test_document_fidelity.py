"""Article-by-article check of the seeded policies against the documents' texts
(/work/shared/seeds/*.txt): each rule applied only where its document states it. Worked
examples with the arithmetic and the article; no database."""

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
