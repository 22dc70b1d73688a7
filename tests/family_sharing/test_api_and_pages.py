"""The family-sharing API (lists, refusals, roles, premiums) and the clerk pages."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from family_sharing.models import SharingAuthorisation
from tests.factories import UserFactory
from tests.family_sharing.conftest import api_client


@pytest.mark.django_db
def test_list_by_holder_or_member_and_premiums(family):
    holder, member = family.employee(balance="5000.00"), family.resident()
    a = family.grant(holder, member)
    manager = api_client("manager")
    assert manager.get(f"/api/v1/family-sharing/?holder={holder.pk}").json()["count"] == 1
    assert manager.get(f"/api/v1/family-sharing/?member={holder.pk}").json()["count"] == 0
    assert manager.get("/api/v1/family-sharing/?holder=x").status_code == 400
    assert manager.get(f"/api/v1/family-sharing/{a.pk}/").json()["proof"] == {
        "kind": "household_register",
        "number": "HR-1",
    }
    clerk = api_client("clerk")
    url = f"/api/v1/family-sharing/{a.pk}/premium-payments/"
    year = timezone.localdate().year
    paid = clerk.post(url, {"kind": "resident_insurance", "year": year, "amount": "380.00"})
    assert paid.status_code == 201 and paid.json()["balance_after"] == "4620.00"
    again = clerk.post(url, {"kind": "resident_insurance", "year": year, "amount": "380.00"})
    assert again.status_code == 409
    forbidden = clerk.post(url, {"kind": "fitness", "year": year, "amount": "10.00"})
    assert forbidden.status_code == 400 and "第十七条" in forbidden.json()["kind"][0]
    assert manager.get(url).json()["count"] == 1
    assert (
        manager.post(url, {"kind": "long_term_care", "year": year, "amount": "1"}).status_code
        == 403
    )


@pytest.mark.django_db
def test_bad_grants_are_400_with_the_field(family):
    holder, member = family.employee(), family.resident()
    clerk = api_client("clerk")
    good = {
        "holder": holder.pk,
        "member": member.pk,
        "relation": "spouse",
        "proof": {"kind": "marriage_certificate", "number": "J540-1"},
    }
    cases = [
        ({**good, "member": 999999}, "member"),
        ({**good, "relation": "cousin"}, "relation"),
        ({k: v for k, v in good.items() if k != "proof"}, "proof"),
        ({**good, "proof": {"kind": "x", "number": "1"}}, "proof"),
        ({**good, "valid_from": "2026-02-30"}, "valid_from"),
        ({**good, "valid_from": "2026-03-01", "valid_to": "2026-01-01"}, "valid_to"),
        ({**good, "member": holder.pk}, "member"),
    ]
    for body, field in cases:
        response = clerk.post("/api/v1/family-sharing/", body, format="json")
        assert response.status_code == 400 and field in response.json(), (body, response.json())
    assert not SharingAuthorisation.objects.exists()
    bad_json = clerk.generic(
        "POST", "/api/v1/family-sharing/", "{bad", content_type="application/json"
    )
    assert bad_json.status_code == 400
    assert (
        api_client("institution").post("/api/v1/family-sharing/", good, format="json").status_code
        == 403
    )


@pytest.mark.django_db
def test_clerk_grants_pays_and_revokes_in_pages(family, client):
    holder, member = family.employee(balance="4000.00"), family.resident()
    client.force_login(UserFactory(roles=["clerk"]))
    page = client.get(f"/enrollment/persons/{holder.pk}/").content.decode()
    assert f"/family-sharing/grant/{holder.pk}/" in page
    refused = client.post(
        f"/family-sharing/grant/{holder.pk}/",
        {"member_id_number": "110101199001011234", "relation": "spouse",
         "proof_kind": "household_register", "proof_number": "1"},
    )  # fmt: skip
    assert 'data-field="member_id_number"' in refused.content.decode()
    granted = client.post(
        f"/family-sharing/grant/{holder.pk}/",
        {"member_id_number": member.id_number, "relation": "child",
         "proof_kind": "household_register", "proof_number": "HR-7"},
    )  # fmt: skip
    assert granted.status_code == 302
    a = SharingAuthorisation.objects.get()
    panel = client.get(f"/enrollment/persons/{holder.pk}/").content.decode()
    assert member.name in panel and f"/family-sharing/{a.pk}/revoke/" in panel
    year = timezone.localdate().year
    client.post(
        f"/family-sharing/{a.pk}/premium/",
        {"kind": "resident_insurance", "year": year, "amount": "350.00"},
    )
    statement = client.get(f"/family-sharing/statement/{holder.pk}/").content.decode()
    assert "-350.00" in statement and member.name in statement
    client.post(f"/family-sharing/{a.pk}/revoke/", {"reason": "分户"})
    a.refresh_from_db()
    assert a.status == "revoked" and a.reason == "分户"
    assert "分户" in client.get("/family-sharing/?status=revoked").content.decode()
    holder.account.refresh_from_db()
    assert holder.account.balance == D("3650.00")


@pytest.mark.django_db
def test_managers_read_clerks_write(family, client):
    holder = family.employee()
    client.force_login(UserFactory(roles=["manager"]))
    assert client.get("/family-sharing/").status_code == 200
    assert client.get(f"/family-sharing/grant/{holder.pk}/").status_code == 403
    client.force_login(UserFactory(roles=["institution"]))
    assert client.get("/family-sharing/").status_code == 403


@pytest.mark.django_db
def test_a_manager_is_not_offered_the_clerks_sharing_acts(family, client):
    # Issue 19 (roles): what a role cannot do is not offered. A manager reading a holder's page
    # met 授权家庭共济, 代缴保费 and 撤销共济 links that each answered 403.
    holder, member = family.employee(balance="1000.00"), family.resident()
    a = family.grant(holder, member)
    acts = [
        f"/family-sharing/grant/{holder.pk}/",
        f"/family-sharing/{a.pk}/revoke/",
        f"/family-sharing/{a.pk}/premium/",
    ]
    client.force_login(UserFactory(roles=["manager"]))
    page = client.get(f"/enrollment/persons/{holder.pk}/").content.decode()
    assert member.name in page and f"/family-sharing/statement/{holder.pk}/" in page
    assert [url for url in acts if url in page] == []
    for role in ("clerk", "auditor"):
        client.force_login(UserFactory(roles=[role]))
        page = client.get(f"/enrollment/persons/{holder.pk}/").content.decode()
        assert [url for url in acts if url not in page] == []


@pytest.mark.django_db
def test_an_open_ended_authorisation_reads_open_and_an_unknown_granter_a_dash(family, client):
    # The list and the person's panel showed "2026-01-01 –" (the statement says 长期) and an
    # empty 授权经办人 cell for an authorisation recorded without a user.
    from datetime import date

    holder, member = family.employee(balance="4000.00"), family.resident()
    SharingAuthorisation.objects.create(
        holder=holder, member=member, relation="child", proof_kind="household_register",
        proof_number="HR-8", valid_from=date(2026, 1, 1),
    )  # fmt: skip
    client.force_login(UserFactory(roles=["clerk"]))
    listing = client.get("/family-sharing/").content.decode()
    row = listing.split(f">{member.name}</a>", 1)[1].split("</tr>", 1)[0]
    assert "2026-01-01 – 长期" in row and row.rstrip().endswith("<td>—</td>")
    panel = client.get(f"/enrollment/persons/{holder.pk}/").content.decode()
    assert "2026-01-01 – 长期" in panel


@pytest.mark.django_db
def test_the_premium_page_says_the_balance_and_what_may_be_paid(family, client):
    # It asked for an amount and only a refusal told the balance and the floor to keep.
    holder, member = family.employee(balance="4200.00"), family.resident()
    a = family.grant(holder, member, relation="child")
    client.force_login(UserFactory(roles=["clerk"]))
    page = client.get(f"/family-sharing/{a.pk}/premium/").content.decode()
    intro = page.split("data-intro>", 1)[1].split("</p>", 1)[0]
    assert "账户余额 4,200.00 元" in intro and "须保留 3,000.00 元" in intro
    assert "本次最多可支付 1,200.00 元" in intro
