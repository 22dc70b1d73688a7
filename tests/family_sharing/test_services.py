"""Granting, revoking and premium payments: every regional rule, cited."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import LedgerEntry, PersonalAccount
from family_sharing.models import PremiumPayment, SharingAuthorisation
from family_sharing.services import premium_pay, sharing_revoke
from policies.params import UnsetParameter
from staff.errors import Conflict, DomainError
from tests.factories import RegionFactory

THIS_YEAR = timezone.localdate().year


@pytest.mark.django_db
def test_grant_records_who_and_history(family):
    holder, member = family.employee(balance="100.00"), family.resident()
    a = family.grant(holder, member, relation="child")
    assert (a.status, a.relation, a.proof_kind) == ("active", "child", "household_register")
    assert a.history.count() == 1 and a.covers(date(2026, 3, 1))


@pytest.mark.django_db
def test_holder_needs_an_employee_account(family):
    resident, other = family.resident(), family.resident(name="次仁")
    with pytest.raises(DomainError) as err:
        family.grant(resident, other)
    # Tibet's sharing article (第十四条) is cited with the refusal.
    assert err.value.field == "holder" and "第十四条" in err.value.message


@pytest.mark.django_db
def test_a_person_cannot_share_with_themselves(family):
    holder = family.employee()
    with pytest.raises(DomainError) as err:
        family.grant(holder, holder)
    assert err.value.field == "member"


@pytest.mark.django_db
def test_duplicate_active_pair_conflicts_but_both_parents_may_share(family):
    father = family.employee(name="父亲")
    mother = family.employee(name="母亲")
    child = family.resident(name="孩子")
    family.grant(father, child, relation="child")
    with pytest.raises(Conflict):
        family.grant(father, child, relation="child")
    family.grant(mother, child, relation="child")  # a member of several holders
    assert SharingAuthorisation.objects.filter(member=child, status="active").count() == 2


@pytest.mark.django_db
def test_jilin_leaves_relations_unset(family):
    holder, member = family.employee(code="220000"), family.resident(code="220000")
    with pytest.raises(UnsetParameter) as err:
        family.grant(holder, member)
    assert err.value.status_code == 422 and "family_sharing.relations" in err.value.message


@pytest.mark.django_db
def test_yuxi_shares_only_within_yunnan(family):
    holder = family.employee(code="530400", name="玉溪职工")
    wuhan_relative = family.resident(code="420100", name="武汉亲属")
    with pytest.raises(DomainError) as err:
        family.grant(holder, wuhan_relative)
    assert err.value.field == "member" and "第十六条" in err.value.message
    # The relative's region by its name and code (it said 参保地为 420100).
    region = family.regions["420100"]
    assert f"{region.name}（420100）" in err.value.message
    # Kunming (530100) is in Yunnan: the first two digits of the region code match.
    family.regions["530100"] = RegionFactory(code="530100", name="昆明市")
    kunming = family.resident(code="530100", name="昆明亲属")
    assert family.grant(holder, kunming).status == "active"
    # Baotou has no such rule.
    baotou_holder = family.employee(code="150200", name="包头职工")
    assert family.grant(baotou_holder, wuhan_relative).status == "active"


@pytest.mark.django_db
def test_revoke_needs_a_reason_and_happens_once(family):
    a = family.grant(family.employee(), family.resident())
    with pytest.raises(DomainError):
        sharing_revoke(authorisation=a, reason=" ")
    revoked = sharing_revoke(authorisation=a, reason="离婚")
    assert revoked.status == "revoked" and revoked.valid_to == max(
        timezone.localdate(), a.valid_from
    )
    with pytest.raises(Conflict):
        sharing_revoke(authorisation=a, reason="again")
    assert revoked.history.count() == 2


@pytest.mark.django_db
def test_premium_payment_debits_the_holder_and_names_the_relative(family):
    holder, member = family.employee(balance="4000.00"), family.resident()
    a = family.grant(holder, member)
    payment = premium_pay(
        authorisation=a, kind="resident_insurance", year=THIS_YEAR, amount=D("380.00")
    )
    entry = payment.ledger_entry
    assert (entry.kind, entry.amount, entry.balance_after) == (
        "premium_debit",
        D("-380.00"),
        D("3620.00"),
    )
    assert entry.member == member and entry.sharing_authorisation == a
    # Once per relative, kind and year.
    with pytest.raises(Conflict):
        premium_pay(authorisation=a, kind="resident_insurance", year=THIS_YEAR, amount=D("1.00"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "kind", "article"),
    [
        ("540000", "supplementary", "第十六条"),  # Tibet names only residents' insurance and LTC
        ("540000", "fitness", "第十七条"),
        ("540000", "public_health", "第十七条"),
        ("530400", "health_check", "第十七条"),  # Yuxi forbids health checks
        ("150200", "wellness", "第六条"),
    ],
)
def test_premium_kinds_the_policy_forbids_are_refused_with_the_article(family, code, kind, article):
    holder, member = family.employee(code=code, balance="9000.00"), family.resident(code=code)
    a = family.grant(holder, member)
    with pytest.raises(DomainError) as err:
        premium_pay(authorisation=a, kind=kind, year=THIS_YEAR, amount=D("100.00"))
    assert err.value.field == "kind" and article in err.value.message
    assert not LedgerEntry.objects.filter(kind="premium_debit").exists()


@pytest.mark.django_db
def test_premium_limits(family):
    holder, member = family.employee(balance="3200.00"), family.resident()
    spouse = family.employee(name="配偶")
    a = family.grant(holder, member, relation="child")
    b = family.grant(holder, spouse)
    cases = [
        (a, "resident_insurance", THIS_YEAR, D("300.00"), "amount"),  # keeps < 3000 (第十五条)
        (a, "resident_insurance", THIS_YEAR, D("0.00"), "amount"),
        (a, "resident_insurance", THIS_YEAR, D("1.005"), "amount"),
        (a, "resident_insurance", THIS_YEAR - 1, D("10.00"), "year"),
        (b, "resident_insurance", THIS_YEAR, D("10.00"), "kind"),  # an employee is not a resident
    ]
    for authorisation, kind, year, amount, field in cases:
        with pytest.raises(DomainError) as err:
            premium_pay(authorisation=authorisation, kind=kind, year=year, amount=amount)
        assert err.value.field == field, (kind, year, amount, err.value.message)
    # The floor and the balance as money is shown everywhere (3,000.00, was 3000.00).
    refusal = _message(a, D("300.00"))
    assert "须保留 3,000.00" in refusal and "余额 3,200.00" in refusal
    ok = premium_pay(authorisation=a, kind="long_term_care", year=THIS_YEAR + 1, amount=D("200.00"))
    assert ok.ledger_entry.balance_after == D("3000.00")
    sharing_revoke(authorisation=a, reason="test")
    a.refresh_from_db()
    with pytest.raises(DomainError):
        premium_pay(authorisation=a, kind="resident_insurance", year=THIS_YEAR, amount=D("1.00"))
    assert PremiumPayment.objects.count() == 1
    assert PersonalAccount.objects.get(person=holder).balance == D("3000.00")


def _message(authorisation, amount):
    try:
        premium_pay(
            authorisation=authorisation, kind="resident_insurance", year=THIS_YEAR, amount=amount
        )
    except DomainError as exc:
        return exc.message
    raise AssertionError("not refused")
