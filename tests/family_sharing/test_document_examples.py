"""Family sharing, region by region, as each document states it: relations, province, the
holder's floor, premiums, and whether shared payments count toward the holder's deductible.
Every docstring gives the article; what a document leaves unset is refused naming it."""

import copy
import json
from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import LedgerEntry, PersonalAccount
from claims.models import Settlement
from claims.settlement import ClaimRequest, settlement_create
from enrollment.models import Person
from family_sharing.rules import (
    SharingPolicy,
    check_holder_deductible,
    check_premium_kind,
    check_premium_region,
    check_province,
)
from family_sharing.services import premium_pay
from policies.models import PolicyVersion
from policies.params import UnsetParameter
from policies.services import SEEDS_DIR, policy_version_publish
from staff.errors import DomainError

THIS_YEAR = timezone.localdate().year


def seed(name: str) -> dict:
    return json.loads((SEEDS_DIR / f"{name}.json").read_text(encoding="utf-8"))["document"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "relation", "allowed", "article"),
    [
        # Baotou 第五条: 本人及其配偶、父母、子女
        ("150200", "spouse", True, "第五条"),
        ("150200", "sibling", False, "第五条"),
        # Sichuan 第五条: 配偶、父母、子女
        ("510000", "parent", True, "第五条"),
        ("510000", "grandchild", False, "第五条"),
        # Wuhan 第八条（二）: 配偶、父母、子女
        ("420100", "child", True, "第八条（二）"),
        ("420100", "sibling", False, "第八条（二）"),
        # Shanghai 主要任务（三）: 配偶、父母、子女 (from 2022-07-01)
        ("310000", "spouse", True, "主要任务（三）"),
        ("310000", "grandparent", False, "主要任务（三）"),
        # Yuxi 第十六条: 配偶、父母、子女，按民法典
        ("530400", "parent", True, "第十六条"),
        ("530400", "sibling", False, "第十六条"),
        # Tibet 第十四条: 配偶、父母、子女等近亲属 (民法典 第一千零四十五条, interpretation)
        ("540000", "sibling", True, "第十四条"),
        ("540000", "grandparent", True, "第十四条"),
    ],
)
def test_relations_per_document(family, code, relation, allowed, article):
    """``family_sharing.relations`` of the holder's region; a refusal cites its article."""
    holder = family.employee(code=code, name="持卡人")
    member = family.resident(code=code, name="亲属")
    if allowed:
        assert family.grant(holder, member, relation=relation).status == "active"
    else:
        with pytest.raises(DomainError) as err:
            family.grant(holder, member, relation=relation)
        assert err.value.field == "relation" and article in err.value.message


@pytest.mark.django_db
def test_shanghai_shares_only_from_2022_07_01(family):
    """Shanghai 主要任务（三）: 2022年7月1日起，分步扩大个人账户使用范围…配偶、父母、子女: the
    version in force on 2022-03-01 allows no relative (relations [])."""
    holder, member = family.employee(code="310000"), family.resident(code="310000")
    with pytest.raises(DomainError) as err:
        family.grant(holder, member, valid_from=date(2022, 3, 1))
    assert "主要任务（三）" in err.value.message
    assert family.grant(holder, member, valid_from=date(2022, 7, 1)).status == "active"


def test_jilin_says_nothing_of_sharing():
    """Jilin's notice (吉医保联〔2022〕22号, 全文) has no family-sharing rule: relations, the
    province rule, the floor, premiums and the deductible rule are all unset, and each check
    names its parameter (the province rule was ``false`` before, a value no text gave)."""
    policy = SharingPolicy(seed("220000_2023-01-01"), "吉医保联〔2022〕22号", "吉林省")
    with pytest.raises(UnsetParameter) as err:
        check_province(policy, "220000", "220000")
    assert "family_sharing.same_province_only" in err.value.message
    with pytest.raises(UnsetParameter) as err:
        check_premium_kind(policy, "resident_insurance")
    assert "family_sharing.premium_kinds" in err.value.message
    with pytest.raises(UnsetParameter) as err:
        check_holder_deductible(policy)
    assert "family_sharing.counts_toward_holder_deductible" in err.value.message
    with pytest.raises(UnsetParameter) as err:
        check_premium_region(policy, None, None)
    assert "family_sharing.premiums_same_region_only" in err.value.message
    with pytest.raises(UnsetParameter):
        policy.floor()


@pytest.mark.django_db
def test_yuxi_relatives_only_in_yunnan_baotou_anywhere(family):
    """Yuxi 第十六条: 配偶、父母、子女范围仅限在云南省参保人员 — a Wuhan (42…) relative is refused;
    Baotou 第五条 sets no place: the same relative is granted."""
    wuhan_relative = family.resident(code="420100", name="武汉亲属")
    with pytest.raises(DomainError) as err:
        family.grant(family.employee(code="530400", name="玉溪职工"), wuhan_relative)
    assert err.value.field == "member" and "第十六条" in err.value.message
    granted = family.grant(family.employee(code="150200", name="包头职工"), wuhan_relative)
    assert granted.status == "active"


@pytest.mark.django_db
def test_tibet_holder_keeps_3000_after_a_premium(family):
    """Tibet 第十五条: 共享支付后本人余额须高于3000元以上 (read as at least 3000.00, marked
    interpretation) and 第十六条 (premiums of 共享人员): 3380.00 − 380.00 = 3000.00 is paid;
    a second premium of 0.01 would leave 2999.99 and is refused citing 第十五条."""
    holder, member = family.employee(balance="3380.00"), family.resident()
    a = family.grant(holder, member, relation="child")
    payment = premium_pay(
        authorisation=a, kind="resident_insurance", year=THIS_YEAR, amount=D("380.00")
    )
    assert payment.ledger_entry.balance_after == D("3000.00")
    with pytest.raises(DomainError) as err:
        premium_pay(authorisation=a, kind="long_term_care", year=THIS_YEAR, amount=D("0.01"))
    assert err.value.field == "amount" and "第十五条" in err.value.message


@pytest.mark.django_db
def test_baotou_has_no_floor(family):
    """Baotou 第五条 sets no amount the holder must keep: a 250.00 premium empties a 250.00
    account (250.00 − 250.00 = 0.00)."""
    holder = family.employee(code="150200", balance="250.00")
    member = family.resident(code="150200")
    a = family.grant(holder, member, relation="parent")
    premium_pay(authorisation=a, kind="resident_insurance", year=THIS_YEAR, amount=D("250.00"))
    assert PersonalAccount.objects.get(person=holder).balance == D("0.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "kind", "allowed", "article"),
    [
        # Baotou 第五条: 城乡居民基本医疗保险、职工大额医疗费用补助、长期护理保险等
        ("150200", "serious_illness", True, "第五条"),
        ("150200", "supplementary", False, "第五条"),
        # Sichuan 第五条: 城乡居民基本医疗保险、补充医疗保险、重特大疾病保险、长期护理保险等
        ("510000", "supplementary", True, "第五条"),
        ("510000", "commercial_health", False, "第五条"),
        # Wuhan 第八条（三）: 城乡居民基本医疗保险、职工大额医疗保险、长期护理保险等
        ("420100", "long_term_care", True, "第八条（三）"),
        ("420100", "supplementary", False, "第八条（三）"),
        # Yuxi 第十六条（三）: 职工大额医疗费用补助、长期护理保险及购买商业健康保险等 — 商业健康
        # 保险, not 补充医疗保险 (the file had "supplementary")
        ("530400", "commercial_health", True, "第十六条"),
        ("530400", "supplementary", False, "第十六条"),
        # Tibet 第十六条: 城乡居民基本医疗保险和长期护理保险的保险费 only
        ("540000", "long_term_care", True, "第十六条"),
        ("540000", "serious_illness", False, "第十六条"),
    ],
)
def test_premium_kinds_per_document(family, code, kind, allowed, article):
    """``family_sharing.premium_kinds`` of the holder's region: 100.00 from a 9000.00 account."""
    holder = family.employee(code=code, balance="9000.00")
    member = family.resident(code=code)
    a = family.grant(holder, member, relation="child")
    if allowed:
        payment = premium_pay(authorisation=a, kind=kind, year=THIS_YEAR, amount=D("100.00"))
        assert payment.ledger_entry.balance_after == D("8900.00")
    else:
        with pytest.raises(DomainError) as err:
            premium_pay(authorisation=a, kind=kind, year=THIS_YEAR, amount=D("100.00"))
        assert err.value.field == "kind" and article in err.value.message
        assert not LedgerEntry.objects.filter(kind="premium_debit").exists()


@pytest.mark.parametrize(
    ("name", "article"),
    [
        ("150200_2023-01-01", "第五条"),
        ("510000_2023-01-01", "第五条"),
        ("420100_2023-01-01", "第八条"),
        ("310000_2023-07-01", "主要任务（三）"),
        ("530400_2023-01-01", "第十六条"),
        ("540000_2022-01-01", "第十四条"),
    ],
)
def test_shared_payments_never_count_for_the_holder_and_say_why(name, article):
    """Baotou 第五条 states it (家庭成员共济使用部分基金不得抵顶年度内持卡人门诊统筹起付标准); the
    other documents are silent and their ``false`` is marked interpretation with its note."""
    document = seed(name)
    assert document["family_sharing"]["counts_toward_holder_deductible"] is False
    source = document["sources"]["family_sharing.counts_toward_holder_deductible"]
    assert source["article"] == article and source.get("note")
    if name.startswith("150200"):
        assert "不得抵顶" in source["note"] and "from" not in source
    else:
        assert source["from"] == "interpretation"
    check_holder_deductible(SharingPolicy(document, "", ""))  # false: no refusal


@pytest.mark.django_db
def test_a_document_that_counts_shared_payments_is_refused_not_ignored(family):
    """The settlement counts a relative's claim in the relative's accumulators only. Before, a
    document saying shared payments count toward the holder's deductible was cited on the
    slip and silently not applied; now the shared payment is refused naming the parameter
    (a Tibet version from 2026-01-01 saying ``true``, a test document)."""
    region = family.regions["540000"]
    current = PolicyVersion.objects.get(region=region, kind="version")
    document = copy.deepcopy(current.document)
    document["family_sharing"]["counts_toward_holder_deductible"] = True
    policy_version_publish(
        region=region, effective_from=date(2026, 1, 1), source=current.source, document=document
    )
    holder, member = family.employee(balance="5000.00"), family.resident()
    family.grant(holder, member)
    request = ClaimRequest(
        claim_number="C1",
        person=member,
        institution=family.hospital(),
        visit_date=date(2026, 3, 1),
        benefit="general_outpatient",
        total_amount=D("500.00"),
        account_holder=holder,
    )
    with pytest.raises(DomainError) as err:
        settlement_create(request=request)
    assert err.value.field == "account_holder"
    assert "counts_toward_holder_deductible" in err.value.message
    assert not Settlement.objects.exists()
    assert PersonalAccount.objects.get(person=holder).balance == D("5000.00")


@pytest.mark.django_db
def test_wuhan_pays_premiums_of_its_own_insurance_only(family):
    """Wuhan 第八条（三）: 可用于…配偶、父母、子女参加我市城乡居民基本医疗保险…等个人缴费: a Wuhan
    relative's 380.00 is paid (5000.00 − 380.00 = 4620.00); a relative insured in Baotou is
    granted sharing (第八条（二） sets no place) but her premium is refused citing 第八条（三）.
    Baotou 第五条 sets no place for premiums: its holder pays the Wuhan relative's."""
    holder = family.employee(code="420100", balance="5000.00", name="武汉职工")
    wuhan_child = family.resident(code="420100", name="武汉子女")
    baotou_parent = family.resident(code="150200", name="包头父母")
    here = family.grant(holder, wuhan_child, relation="child")
    payment = premium_pay(
        authorisation=here, kind="resident_insurance", year=THIS_YEAR, amount=D("380.00")
    )
    assert payment.ledger_entry.balance_after == D("4620.00")
    there = family.grant(holder, baotou_parent, relation="parent")
    with pytest.raises(DomainError) as err:
        premium_pay(
            authorisation=there, kind="resident_insurance", year=THIS_YEAR, amount=D("380.00")
        )
    assert err.value.field == "authorisation" and "第八条（三）" in err.value.message
    assert PersonalAccount.objects.get(person=holder).balance == D("4620.00")
    baotou_holder = family.employee(code="150200", balance="1000.00", name="包头职工")
    elsewhere = family.grant(baotou_holder, wuhan_child, relation="child")
    premium_pay(authorisation=elsewhere, kind="long_term_care", year=THIS_YEAR, amount=D("100.00"))
    assert PersonalAccount.objects.get(person=baotou_holder).balance == D("900.00")


@pytest.mark.django_db
def test_an_account_the_document_no_longer_gives_is_not_shared(family):
    """Sichuan 第四条: 参加职工医保单建统筹的参保人员不建立个人账户. A holder whose enrolment
    changed to single pooling keeps the old account's ledger, but may not share it: refused
    naming the holder."""
    holder = family.employee(code="510000", balance="800.00")
    Person.objects.filter(pk=holder.pk).update(employment="single_pooling")
    holder.refresh_from_db()
    with pytest.raises(DomainError) as err:
        family.grant(holder, family.resident(code="510000"))
    assert err.value.field == "holder"
