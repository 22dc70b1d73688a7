"""结算查询 and 撤销 on the clerk's pages: search by every criterion, reversal with a reason and
a confirmation (who, when and why on the slip and in the audit trail), the API unchanged."""

import re
from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from claims.models import Settlement
from claims.settlement import ClaimRequest, settlement_create
from staff.models import AuditEvent
from tests.claims.test_settlement import _world
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def settled(db):
    return make_settlements()


def make_settlements():
    """Three settlements at one hospital: two of one person (with an account), one of another."""
    person, account, hospital = _world()
    other = PersonFactory(region=person.region, name="钱多多", benefits_from=date(2023, 1, 1))
    made = []
    for number, who, day, total in [
        ("INV-1", person, date(2026, 3, 1), "1200.00"),
        ("INV-2", person, date(2026, 4, 2), "80.00"),
        ("OTHER-3", other, date(2026, 5, 3), "50.00"),
    ]:
        s, _ = settlement_create(
            request=ClaimRequest(
                claim_number=number,
                person=who,
                institution=hospital,
                visit_date=day,
                benefit="general_outpatient",
                total_amount=D(total),
                use_account=who == person,
            )
        )
        made.append(s)
    return person, other, hospital, made


def _numbers(response) -> list[str]:
    return [s.claim_number for s in response.context["page"].object_list]  # the rows the page shows


@pytest.mark.parametrize("role", ["clerk", "manager", "auditor"])
def test_search_by_each_criterion(client, settled, role):
    person, other, hospital, made = settled
    client.force_login(UserFactory(roles=[role]))
    everything = client.get("/claims/settlements/")
    assert everything.status_code == 200 and len(_numbers(everything)) == 3
    html = everything.content.decode()
    assert f'href="/claims/settlements/{made[0].pk}/"' in html  # each row links to its slip
    assert "金额单位：元" in html and "1,200.00" in html
    assert _numbers(client.get("/claims/settlements/", {"claim_number": "inv-2"})) == ["INV-2"]
    assert set(_numbers(client.get("/claims/settlements/", {"person": person.id_number}))) == {
        "INV-1",
        "INV-2",
    }
    assert _numbers(client.get("/claims/settlements/", {"person": "钱多"})) == ["OTHER-3"]
    assert len(_numbers(client.get("/claims/settlements/", {"institution": hospital.code}))) == 3
    window = {"start": "2026-04-01", "end": "2026-04-30"}
    assert _numbers(client.get("/claims/settlements/", window)) == ["INV-2"]
    assert len(_numbers(client.get("/claims/settlements/", {"benefit": "chronic"}))) == 0
    assert len(_numbers(client.get("/claims/settlements/", {"status": "reversed"}))) == 0
    # Reverse links only for the clerk, who alone may reverse.
    assert ("/reverse/" in html) == (role == "clerk")


def test_bad_search_is_a_400_in_chinese(client, settled):
    client.force_login(UserFactory(roles=["clerk"]))
    bad = client.get("/claims/settlements/", {"start": "2026-05-01", "end": "2026-04-01"})
    assert bad.status_code == 400 and 'data-field="end"' in bad.content.decode()
    assert client.get("/claims/settlements/", {"start": "２０２６-01-01"}).status_code == 400


def test_reversal_needs_a_reason_and_a_confirmation(client, settled):
    person, other, hospital, made = settled
    clerk = UserFactory(username="li", roles=["clerk"], first_name="四", last_name="李")
    client.force_login(clerk)
    url = f"/claims/settlements/{made[0].pk}/reverse/"
    form = client.get(url)
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    for data in ({}, {"reason": "重复结算"}, {"confirm": "on"}, {"reason": "  ", "confirm": "on"}):
        refused = client.post(url, data)
        assert refused.status_code == 400
        assert Settlement.objects.get(pk=made[0].pk).status == "settled"
    done = client.post(url, {"reason": "发票重复录入", "confirm": "on"})
    assert done.status_code == 302
    s = Settlement.objects.get(pk=made[0].pk)
    assert (s.status, s.reversed_by, s.reversal_reason) == ("reversed", clerk, "发票重复录入")
    event = AuditEvent.objects.get(action="claims.settlement.reverse")
    assert "发票重复录入" in event.summary and event.changes["reason"] == "发票重复录入"
    slip = client.get(f"/claims/settlements/{s.pk}/").content.decode()
    assert "本次结算已撤销" in slip and "李四" in slip and "发票重复录入" in slip
    assert 'class="badge badge-reversed"' in slip and 'class="watermark"' in slip
    assert "/reverse/" not in slip  # nothing left to reverse
    # Twice: refused with a message, nothing changes.
    assert client.post(url, {"reason": "again", "confirm": "on"}).status_code == 302
    assert (
        client.get("/claims/settlements/", {"status": "reversed"}).context["page"].paginator.count
        == 1
    )


@pytest.mark.parametrize("role", ["auditor", "manager"])
def test_only_clerks_reverse(client, settled, role):
    made = settled[3]
    client.force_login(UserFactory(roles=[role]))
    url = f"/claims/settlements/{made[0].pk}/reverse/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    slip = client.get(f"/claims/settlements/{made[0].pk}/").content.decode()
    assert "/reverse/" not in slip


def test_api_reverse_keeps_its_contract_and_takes_an_optional_reason(settled):
    made = settled[3]
    api = APIClient()
    api.force_authenticate(UserFactory(roles=["clerk"]))
    plain = api.post(f"/api/v1/claims/{made[1].pk}/reverse/")
    assert plain.status_code == 200 and plain.json()["status"] == "reversed"
    assert plain.json()["reversal_reason"] == ""
    given = api.post(f"/api/v1/claims/{made[2].pk}/reverse/", {"reason": "机构申请"}, format="json")
    assert given.status_code == 200 and given.json()["reversal_reason"] == "机构申请"
    assert api.post(f"/api/v1/claims/{made[2].pk}/reverse/").status_code == 409


def test_references_to_settlements_are_links(client, settled):
    person, other, hospital, made = settled
    client.force_login(UserFactory(roles=["clerk"]))
    statement = client.get(f"/accounts/persons/{person.pk}/statement/").content.decode()
    assert f'href="/claims/settlements/{made[0].pk}/"' in statement
    assert "settlement:" not in statement  # the reference in words, not the code


def test_a_claim_number_is_never_broken_across_lines(client, settled):
    # DASH-0419 was shown as DASH- / 0419 at 1280 pixels; the table scrolls in its own box
    # rather than pushing the page sideways at 1024.
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get("/claims/settlements/").content.decode()
    assert '<div class="table-wrap"><table class="data" data-table="settlements">' in html
    assert re.search(r'<td class="nowrap"><a href="/claims/settlements/\d+/">INV-', html)


@pytest.mark.parametrize(
    ("language", "shown"),
    [("zh-hans", ["合计金额（大写）：", "经办人："]), ("en", ["Total in words: ", "Handled by: "])],
)
def test_inline_labels_take_the_readers_colon(client, settled, language, shown):
    # The slip's and statement's inline labels end in the language's colon: full-width on the
    # Chinese page, ": " on the English one (it showed "Total in words：").
    person, other, hospital, made = settled
    client.force_login(UserFactory(roles=["clerk"]))
    client.cookies["django_language"] = language
    slip = client.get(f"/claims/settlements/{made[0].pk}/").content.decode()
    statement = client.get(f"/accounts/persons/{person.pk}/statement/").content.decode()
    for text in shown:
        assert text in slip
    assert shown[1] in statement
    if language == "en":
        assert "：" not in re.sub(r"<[^>]+>", "", slip).split("Total in words")[1][:3]
    # The shared document foot's signature line too (it read "Recipient's signature：").
    receipt = client.get(f"/accounts/persons/{person.pk}/receipt/").content.decode()
    signer = "领取人签字：" if language == "zh-hans" else "Recipient's signature: "
    assert signer in receipt.replace("&#x27;", "'")


def test_the_list_totals_what_it_found_without_the_reversed(client, settled):
    person, other, hospital, made = settled
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get("/claims/settlements/").content.decode()
    footer = html.split("data-totals", 1)[1].split("</tfoot>", 1)[0]
    assert "合计（共 3 笔，不含已撤销）" in footer and "1,330.00" in footer  # 1200 + 80 + 50
    Settlement.objects.filter(pk=made[0].pk).update(status=Settlement.Status.REVERSED)
    html = client.get("/claims/settlements/").content.decode()
    footer = html.split("data-totals", 1)[1].split("</tfoot>", 1)[0]
    assert "合计（共 2 笔，不含已撤销）" in footer and "130.00" in footer


def test_a_refused_search_says_so_instead_of_finding_nothing(client, settled):
    client.force_login(UserFactory(roles=["clerk"]))
    bad = client.get("/claims/settlements/", {"start": "2026-13-01"})
    html = bad.content.decode()
    assert bad.status_code == 400 and 'data-field="start"' in html
    assert "查询条件有误" in html
    assert "没有符合条件的结算" not in html and "共 0 笔结算" not in html
