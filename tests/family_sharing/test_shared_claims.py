"""Relatives' claims paid from the holder's account: floors, authorisations, reversal, API,
and ten threads paying for two relatives from one account at once (PostgreSQL)."""

import threading
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.db.models import Sum

from accounts.models import LedgerEntry, PersonalAccount
from claims.models import Accumulator, Settlement
from claims.settlement import ClaimRequest, settlement_create, settlement_reverse
from family_sharing.services import sharing_revoke
from staff.errors import DomainError
from tests.family_sharing.conftest import Family, api_client


def claim(person, hospital, number, total, holder=None, visit=date(2026, 3, 1), **kw):
    return ClaimRequest(
        claim_number=number,
        person=person,
        institution=hospital,
        visit_date=visit,
        benefit="general_outpatient",
        total_amount=D(total),
        account_holder=holder,
        **kw,
    )


def balance(person) -> D:
    return PersonalAccount.objects.get(person=person).balance


@pytest.mark.django_db
def test_tibet_floor_by_hand(family):
    # Given a Tibet holder with 4000.00 and a relative under the residents' scheme
    holder, member = family.employee(balance="4000.00"), family.resident()
    authorisation = family.grant(holder, member)
    hospital = family.hospital()
    # When the relative's 1500.00 claim is settled against the holder's account
    s, _ = settlement_create(request=claim(member, hospital, "T1", "1500.00", holder))
    # Then no pooled part (residents' scheme), 4000 − 3000 = 1000 from the account, 500 cash
    assert (s.pool_paid, s.family_account_paid, s.account_paid, s.cash_paid) == (
        D("0.00"),
        D("1000.00"),
        D("0.00"),
        D("500.00"),
    )
    assert balance(holder) == D("3000.00")
    assert any("第十五条" in line["rule"] and "3000.00" in line["rule"] for line in s.explanation)
    entry = LedgerEntry.objects.get(reference=f"settlement:{s.pk}")
    assert (entry.kind, entry.member, entry.sharing_authorisation) == (
        "shared_debit",
        member,
        authorisation,
    )
    # A second shared claim finds nothing above the floor: all cash.
    s2, _ = settlement_create(request=claim(member, hospital, "T2", "80.00", holder))
    assert (s2.family_account_paid, s2.cash_paid) == (D("0.00"), D("80.00"))
    # The floor does not bind the holder's own claims.
    own, _ = settlement_create(request=claim(holder, hospital, "T3", "3000.00"))
    assert own.account_paid > 0 and balance(holder) == D("3000.00") - own.account_paid
    # Shared money never counted toward the holder's deductible: only the own claim did.
    assert not Accumulator.objects.filter(person=member).exclude(deductible_used=0).exists()
    holder_acc = Accumulator.objects.get(person=holder, bucket="general_outpatient")
    assert holder_acc.deductible_used == own.deductible_applied


@pytest.mark.django_db
def test_baotou_spouse_gets_her_pooled_part_then_the_holders_account(family):
    holder = family.employee(code="150200", balance="2000.00", name="包头持卡人")
    spouse = family.employee(code="150200", balance="50.00", name="包头配偶")
    family.grant(holder, spouse)
    hospital = family.hospital(code="150200")
    s, _ = settlement_create(request=claim(spouse, hospital, "B1", "1900.00", holder))
    # Her own scheme pays first: (1900 − 1000 deductible) × 70% = 630 (第八条).
    assert s.pool_paid == D("630.00")
    assert s.family_account_paid == D("1900.00") - s.pool_paid and s.cash_paid == 0
    assert balance(spouse) == D("50.00")  # her own account untouched
    assert balance(holder) == D("2000.00") - s.family_account_paid
    assert not Accumulator.objects.filter(person=holder).exists()  # 第五条
    assert Accumulator.objects.get(person=spouse, bucket="general_outpatient").pooled == s.pool_paid
    assert any(
        "第五条" in line["rule"] for line in s.explanation if line["step"] == "family_account"
    )


@pytest.mark.django_db
def test_no_authorisation_or_a_revoked_one_is_refused(family):
    holder, member = family.employee(balance="5000.00"), family.resident()
    stranger = family.resident(name="陌生人")
    hospital = family.hospital()
    with pytest.raises(DomainError) as err:
        settlement_create(request=claim(stranger, hospital, "N1", "100.00", holder))
    assert err.value.field == "account_holder"
    a = family.grant(holder, member, valid_from=date(2026, 2, 1))
    with pytest.raises(DomainError):  # the visit is before the authorisation starts
        settlement_create(request=claim(member, hospital, "N2", "100.00", holder, date(2026, 1, 5)))
    sharing_revoke(authorisation=a, reason="撤销")
    with pytest.raises(DomainError):
        settlement_create(request=claim(member, hospital, "N3", "100.00", holder))
    with pytest.raises(DomainError):  # one's own account needs no account_holder
        settlement_create(request=claim(holder, hospital, "N4", "100.00", holder))
    assert not Settlement.objects.exists() and balance(holder) == D("5000.00")


@pytest.mark.django_db
def test_reversal_of_a_shared_claim_restores_the_holder(family):
    holder, member = family.employee(balance="4500.00"), family.resident()
    a = family.grant(holder, member)
    s, _ = settlement_create(request=claim(member, family.hospital(), "R1", "700.00", holder))
    assert balance(holder) == D("3800.00")
    settlement_reverse(settlement=s)
    assert balance(holder) == D("4500.00")
    reversal = LedgerEntry.objects.get(reference=f"settlement:{s.pk}:reversal")
    assert (reversal.amount, reversal.member, reversal.sharing_authorisation) == (
        D("700.00"),
        member,
        a,
    )


@pytest.mark.django_db
def test_institutions_settle_relatives_claims_over_the_api(family):
    holder, member = family.employee(balance="4000.00"), family.resident()
    hospital = family.hospital()
    clerk = api_client("clerk")
    granted = clerk.post(
        "/api/v1/family-sharing/",
        {
            "holder": holder.pk,
            "member": member.pk,
            "relation": "child",
            "proof": {"kind": "household_register", "number": "540102-88"},
        },
        format="json",
    )
    assert granted.status_code == 201 and granted.json()["status"] == "active"
    body = {
        "claim_number": "API-1",
        "person": member.pk,
        "institution": hospital.pk,
        "visit_date": date.today().isoformat(),
        "benefit": "general_outpatient",
        "total_amount": "1500.00",
        "account_holder": holder.pk,
    }
    institution = api_client("institution", institution=hospital)
    # A new patient: identified by the ID number they present before the first preview.
    assert (
        institution.get("/api/v1/persons/lookup/", {"id_number": member.id_number}).status_code
        == 200
    )
    preview = institution.post("/api/v1/claims/preview/", body, format="json")
    assert preview.status_code == 200 and preview.json()["family_account_paid"] == "1000.00"
    settled = institution.post("/api/v1/claims/", body, format="json")
    assert settled.status_code == 201, settled.json()
    data = settled.json()
    assert (data["family_account_paid"], data["cash_paid"], data["account_holder"]) == (
        "1000.00",
        "500.00",
        holder.pk,
    )
    revoked = clerk.post(
        f"/api/v1/family-sharing/{granted.json()['id']}/revoke/", {"reason": "户籍迁出"}
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    refused = institution.post("/api/v1/claims/", {**body, "claim_number": "API-2"}, format="json")
    assert refused.status_code == 400 and "account_holder" in refused.json()
    assert balance(holder) == D("3000.00")


def test_ten_threads_two_relatives_one_holder(postgres_tx):
    family = Family()
    holder = family.employee(balance="6000.00")
    spouse, child = family.resident(name="配偶"), family.resident(name="孩子")
    family.grant(holder, spouse)
    family.grant(holder, child, relation="child")
    hospital = family.hospital()
    errors: list[str] = []
    barrier = threading.Barrier(10)

    def pay(i):
        try:
            barrier.wait()
            member = spouse if i % 2 else child
            settlement_create(request=claim(member, hospital, f"R{i}", "700.00", holder))
        except Exception as exc:  # noqa: BLE001 - every failure is reported
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    account = PersonalAccount.objects.get(person=holder)
    # 6000 − 3000 floor = 3000 to share: 4 claims of 700 and one of 200, the rest cash.
    assert account.balance == D("3000.00")
    assert account.entries.aggregate(s=Sum("amount"))["s"] == account.balance
    assert not account.entries.filter(balance_after__lt=D("3000.00")).exists()
    totals = Settlement.objects.aggregate(f=Sum("family_account_paid"), c=Sum("cash_paid"))
    assert (totals["f"], totals["c"]) == (D("3000.00"), D("4000.00"))
