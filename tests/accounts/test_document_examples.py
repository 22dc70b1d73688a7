"""Account crediting, region by region, as each document states it: the arithmetic and the
article in every docstring. What a document does not state is refused naming the parameter
(payroll rows, retiree runs), never supplied by the code."""

import copy
import json
from datetime import date
from decimal import Decimal as D

import pytest

from accounts.crediting import retiree_crediting_run
from accounts.models import LedgerEntry, PersonalAccount
from accounts.payroll_check import payroll_check
from accounts.rules import has_account, retiree_bands
from accounts.services import ledger_post
from accounts.year_end import year_end_close
from enrollment.models import Employer, Person
from policies.params import UnsetParameter
from policies.services import SEEDS_DIR

pytestmark = pytest.mark.django_db

HEADER = "id_number,name,employer_code,period,contribution_base"


def seed(name: str) -> dict:
    return json.loads((SEEDS_DIR / f"{name}.json").read_text(encoding="utf-8"))["document"]


def check(tmp_path, *rows):
    """The payroll file's check (the job's very checks, crediting nothing)."""
    path = tmp_path / "payroll.csv"
    lines = [HEADER] + [
        f"{p.id_number},{p.name},{p.employer.code if p.employer else 'E' + p.region.code},"
        f"{period},{base}"
        for p, period, base in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return payroll_check(path=path, filename="payroll.csv")


def employer_of(regions, code) -> Employer:
    return Employer.objects.get_or_create(
        code=f"E{code}", defaults={"name": f"单位{code}", "region": regions[code]}
    )[0]


def credit_of(person, period):
    entry = LedgerEntry.objects.filter(
        account__person=person, kind="retiree_credit", period=period
    ).first()
    return entry.amount if entry else None


# --- Employees: base × employee_rate -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "period", "base", "amount", "article"),
    [
        # Wuhan 第五条: 用人单位在职职工个人账户计入标准按照本人参保缴费基数的2%: 8000.00 × 2% = 160.00
        ("420100", "2026-10", "8000.00", "160.00", "第五条"),
        # Baotou 第四条: 自2022年10月1日起，在职职工个人账户按照本人参保缴费基数2%:
        # 6543.21 × 2% = 130.8642 → 130.86
        ("150200", "2022-10", "6543.21", "130.86", "第四条"),
        # Sichuan 第四条: 计入标准为本人参保缴费基数的2%, carried out from 2023-01 (通知一):
        # 5000.25 × 2% = 100.005 → 100.01 (half up)
        ("510000", "2023-01", "5000.25", "100.01", "第四条"),
        # Shanghai 主要任务（一）: 自2023年7月1日起…计入标准为本人参保缴费基数的2%:
        # 10000.00 × 2% = 200.00
        ("310000", "2023-07", "10000.00", "200.00", "主要任务（一）"),
        # Yuxi 第十五条: 计入标准为本人参保缴费基数的2%: 4321.00 × 2% = 86.42
        ("530400", "2023-01", "4321.00", "86.42", "第十五条"),
        # Tibet 第十二条: 在职人员…按照本人参保缴费基数的2%计入: 9999.99 × 2% = 199.9998 → 200.00
        ("540000", "2022-01", "9999.99", "200.00", "第十二条"),
    ],
)
def test_employee_rate_per_document(person_factory, tmp_path, code, period, base, amount, article):
    """round(base × employee_rate, 2) half up, the rate read from the policy in force on the
    1st of the period (``account.employee_rate``, cited ``article``)."""
    person = person_factory(code, category="employee", base=D(base))
    result = check(tmp_path, (person, period, base))
    assert result.ok, result.errors
    assert result.totals()["amount"] == D(amount)
    assert seed_source(code, period, "account.employee_rate")["article"] == article


def seed_source(code, period, dotted):
    names = sorted(p.stem for p in SEEDS_DIR.glob(f"{code}_*.json"))
    name = [n for n in names if n[7:14] <= period][-1]
    return seed(name)["sources"][dotted]


@pytest.mark.parametrize(
    ("code", "period", "article"),
    [
        # Shanghai: the 2 % is stated from 2023-07-01 only; before it the file gives no rate.
        ("310000", "2023-06", "主要任务（一）"),
        # Sichuan: 2022 is credited under the old rules (通知一), not entered here.
        ("510000", "2022-12", "通知一"),
        # Jilin's notice gives no crediting rate at all.
        ("220000", "2026-10", "全文"),
    ],
)
def test_a_rate_the_document_does_not_give_is_refused(
    person_factory, tmp_path, code, period, article
):
    """No rate in the document → every row of that period is refused naming
    ``account.employee_rate`` and the article; nothing is credited at a rate made up."""
    person = person_factory(code, category="employee", base=D("5000.00"))
    result = check(tmp_path, (person, period, "5000.00"))
    assert not result.ok
    assert any(
        "account.employee_rate" in e["message"] and article in e["message"] for e in result.errors
    )


def test_a_retiree_is_not_credited_at_the_employees_rate(regions, person_factory, tmp_path):
    """Every document credits ``employee_rate`` to 在职职工; a retiree's account is credited by the
    retiree method. Wuhan 第七条: 办理退休手续后从次月起按退休人员政策执行 — retired 2026-10-15,
    October is still an employee's month (8000.00 × 2% = 160.00), November is a retiree's
    (refused, citing 第七条). Before this check the November row was credited 160.00 on top of
    the 83.00 retiree credit."""
    employer = employer_of(regions, "420100")
    retired = person_factory("420100", retired=date(2026, 10, 15), employer=employer)
    october = check(tmp_path, (retired, "2026-10", "8000.00"))
    assert october.ok, october.errors
    assert october.totals()["amount"] == D("160.00")
    november = check(tmp_path, (retired, "2026-11", "8000.00"))
    assert [e["field"] for e in november.errors] == ["id_number"]
    assert "第七条" in november.errors[0]["message"]
    assert november.totals()["amount"] == 0


def test_retirement_month_where_the_document_is_silent_is_refused(
    regions, person_factory, tmp_path
):
    """Tibet 第十二条 gives the retirees' 3600/yr but no month they start from
    (``account.retiree_credit_from`` unset): the retirement month's payroll row is refused
    naming the parameter (employee or retiree that month is the bureau's figure); the month
    before is an employee's (7000.00 × 2% = 140.00), the month after a retiree's (refused)."""
    employer = employer_of(regions, "540000")
    retired = person_factory("540000", retired=date(2026, 10, 15), employer=employer)
    september = check(tmp_path, (retired, "2026-09", "7000.00"))
    assert september.ok and september.totals()["amount"] == D("140.00")
    october = check(tmp_path, (retired, "2026-10", "7000.00"))
    assert len(october.errors) == 1
    assert "account.retiree_credit_from" in october.errors[0]["message"]
    assert "第十二条" in october.errors[0]["message"]
    november = check(tmp_path, (retired, "2026-11", "7000.00"))
    assert len(november.errors) == 1
    assert "account.retiree_credit_from" not in november.errors[0]["message"]


def test_an_account_left_from_another_employment_is_not_credited(person_factory, tmp_path):
    """Sichuan 第四条: 参加职工医保单建统筹的参保人员不建立个人账户. A person whose enrolment
    changed to single pooling keeps the ledger of the old account, but neither a payroll row
    nor a retiree run credits it (``account.no_account``)."""
    employee = person_factory("510000", category="employee", base=D("5000.00"))
    retiree = person_factory("540000")  # Tibet: 单建统筹 no account (interpretation, 第十二条)
    Person.objects.filter(pk__in=[employee.pk, retiree.pk]).update(employment="single_pooling")
    employee.refresh_from_db()
    result = check(tmp_path, (employee, "2023-01", "5000.00"))
    assert len(result.errors) == 1 and "account.no_account" not in result.errors[0]["message"]
    assert "第四条" in result.errors[0]["message"]
    report = retiree_crediting_run(period="2026-11")
    assert credit_of(retiree, "2026-11") is None
    assert report.regions["540000"]["eligible"] == 0


# --- Retirees: the method and its year steps ------------------------------------------------------


def test_baotou_3_percent_in_2022_then_2_percent(regions):
    """Baotou 第四条: 以全自治区2021年平均基本养老金为基数，按照3%比例定额划入个人账户，2023年起
    按照2%比例. The average pension is not in the document: unset → refused naming
    ``account.retiree.average_pension`` and 第四条. With a bureau's figure of 3210.00 a month
    (a test value): 2022-11: 3210.00 × 3% = 96.30; 2023-01: 3210.00 × 2% = 64.20."""
    for name, period, expected in [
        ("150200_2022-10-01", date(2022, 11, 1), D("96.30")),
        ("150200_2023-01-01", date(2023, 1, 1), D("64.20")),
    ]:
        document = seed(name)
        with pytest.raises(UnsetParameter) as err:
            retiree_bands(document, period, region="包头市")
        assert "account.retiree.average_pension" in err.value.message
        assert "第四条" in err.value.message
        filled = copy.deepcopy(document)
        filled["account"]["retiree"]["average_pension"] = "3210.00"
        [band] = retiree_bands(filled, period, region="包头市")
        assert band.monthly == expected


def test_sichuan_and_yuxi_leave_the_retiree_figures_to_the_bureau():
    """Sichuan 第四条 (2%左右 of the pooling area's average pension) and Yuxi 第十五条 (逐步调整到
    …2%) give no average pension: both refused naming the parameter and the article."""
    for name, article in [("510000_2023-01-01", "第四条"), ("530400_2023-01-01", "第十五条")]:
        with pytest.raises(UnsetParameter) as err:
            retiree_bands(seed(name), date(2026, 11, 1))
        assert "account.retiree.average_pension" in err.value.message
        assert article in err.value.message


def test_wuhan_83_a_month_from_the_month_after_retirement_and_66_for_flexible(person_factory):
    """Wuhan 第五条: 具体计入金额为每月83元; 第六条: 灵活就业人员…不计入个人账户…退休后…每月66元;
    第七条: 从次月起. Retired 2026-10-20: October nothing, November 83.00; a flexible retiree
    66.00; a flexible worker not yet retired has no account at all."""
    retired = person_factory("420100", retired=date(2026, 10, 20))
    flexible_retiree = person_factory("420100", employment="flexible")
    flexible_worker = person_factory("420100", category="employee", employment="flexible")
    assert not PersonalAccount.objects.filter(person=flexible_worker).exists()
    retiree_crediting_run(period="2026-10")
    assert credit_of(retired, "2026-10") is None
    assert credit_of(flexible_retiree, "2026-10") == D("66.00")
    retiree_crediting_run(period="2026-11")
    assert credit_of(retired, "2026-11") == D("83.00")


def test_wuhan_1953_veterans_wait_for_their_own_rule(person_factory):
    """Wuhan 第五条: 1953年底之前参军复员转业到企业工作的退休人员个人账户计入标准…另行制定: not
    credited 83.00, reported naming ``later_rule_groups.veteran_before_1954``."""
    veteran = person_factory("420100")
    Person.objects.filter(pk=veteran.pk).update(rule_group="veteran_before_1954")
    from accounts.crediting import plan

    _plans, errors = plan("2026-11")
    retiree_crediting_run(period="2026-11")
    assert credit_of(veteran, "2026-11") is None
    assert any(e.get("field") == "later_rule_groups.veteran_before_1954" for e in errors)


def test_shanghai_by_age_on_the_first_of_the_month(person_factory):
    """Shanghai 主要任务（一）: 74岁以下1680元/年，75岁以上1890元/年 (from 2023-07-01), credited
    monthly as a twelfth (an interpretation, marked): 1680 ÷ 12 = 140.00, 1890 ÷ 12 = 157.50.
    Born 1948-08-02: 74 on 2023-08-01 → 140.00; born 1948-08-01: 75 that day → 157.50. Before
    2023-07-01 the document gives no retiree figure: June 2023 is refused (the region
    reported)."""
    young = person_factory("310000", birth=date(1948, 8, 2))
    old = person_factory("310000", birth=date(1948, 8, 1))
    retiree_crediting_run(period="2023-08")
    assert (credit_of(young, "2023-08"), credit_of(old, "2023-08")) == (D("140.00"), D("157.50"))
    june = retiree_crediting_run(period="2023-06")
    assert credit_of(young, "2023-06") is None
    assert any(
        e["region"] == "310000" and e.get("field") == "account.retiree.method" for e in june.errors
    )


def test_tibet_3600_a_year_and_the_unset_start_month(person_factory):
    """Tibet 第十二条: 退休人员个人账户由统筹基金按每人每年3600元定额划入 → 300.00 a month
    (3600 ÷ 12, marked interpretation). The document does not say whether a retiree is credited
    from the retirement month or the next (``account.retiree_credit_from`` unset): one who
    retired in the month run is not credited and the run names the parameter; from the next
    month either reading credits 300.00."""
    long_retired = person_factory("540000")
    this_month = person_factory("540000", retired=date(2026, 11, 3))
    report = retiree_crediting_run(period="2026-11")
    assert credit_of(long_retired, "2026-11") == D("300.00")
    assert credit_of(this_month, "2026-11") is None
    assert any(
        e["region"] == "540000" and e.get("field") == "account.retiree_credit_from"
        for e in report.errors
    )
    retiree_crediting_run(period="2026-12")
    assert credit_of(this_month, "2026-12") == D("300.00")


def test_jilin_gives_no_retiree_method(person_factory):
    """Jilin's notice (全文) gives no retiree crediting: the run names ``account.retiree.method``."""
    person = person_factory("220000")
    report = retiree_crediting_run(period="2026-11")
    assert credit_of(person, "2026-11") is None
    assert any(
        e["region"] == "220000" and e.get("field") == "account.retiree.method"
        for e in report.errors
    )


@pytest.mark.parametrize(
    ("code", "employment", "category", "expected"),
    [
        ("510000", "single_pooling", "employee", False),  # 第四条 单建统筹 不建立个人账户
        ("510000", "flexible", "employee", True),  # 第三条 含灵活就业人员: an account
        ("420100", "flexible", "employee", False),  # 第六条 不计入个人账户
        ("420100", "flexible", "retiree", True),  # 第六条 退休后…每月66元
        ("530400", "flexible", "retiree", True),  # 第二条 含灵活就业参保人员
    ],
)
def test_who_has_an_account(code, employment, category, expected):
    """``account.no_account`` per document; Wuhan's flexible retirees keep one (第六条)."""
    name = {"510000": "510000_2023-01-01", "420100": "420100_2023-01-01"}.get(
        code, "530400_2023-01-01"
    )
    assert (
        has_account(
            scheme="employee", employment=employment, category=category, document=seed(name)
        )
        is expected
    )


# --- Year end ----------------------------------------------------------------------------------


def test_year_end_carries_the_balance_over_untouched(person_factory):
    """Yuxi 第十八条: 个人账户余额可以结转使用和继承 (Wuhan 第十条 refers to the city's account
    rules): the close writes a statement and moves no money. Tibet retiree: 300.00 for 2025-11
    and 2025-12, 50.00 paid: closing 550.00, the balance still 550.00 after the close."""
    person = person_factory("540000")
    retiree_crediting_run(period="2025-11")
    retiree_crediting_run(period="2025-12")
    account = PersonalAccount.objects.get(person=person)
    ledger_post(account_id=account.pk, kind="claim_debit", amount=D("-50.00"))
    entries = LedgerEntry.objects.filter(account=account)
    assert entries.count() == 3
    year = entries.first().created_at.year
    year_end_close(year=year)
    statement = account.statements.get(year=year)
    assert (statement.retiree_credits, statement.claim_debits, statement.closing_balance) == (
        D("600.00"),
        D("50.00"),
        D("550.00"),
    )
    account.refresh_from_db()
    assert account.balance == D("550.00") and entries.count() == 3
