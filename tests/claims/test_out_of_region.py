"""Issue 18 item 16 on the database: the out-of-region filing registry (异地就医备案) decides
whether a visit is filed (a claim's flag, where sent, must agree with it); Baotou 第十五条 (filed: same level,
same ratio, within the annual limit), Wuhan 第十七条 (a long-term filing covers only the place
filed), temporary filings' validity, and Yuxi 第二十一条 (claims that could not be settled
on-line go through 手工报销)."""

from datetime import date
from decimal import Decimal as D

import pytest

from claims.models import Settlement
from claims.settlement import settlement_create, settlement_preview
from enrollment.services import filing_end, filing_record
from policies.models import Region
from staff.errors import DomainError
from tests.claims.test_document_rules import claim, hospital_in, person_in
from tests.claims.test_manual_claim import confirm, form_data, preview
from tests.factories import InstitutionFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db
VISIT = date(2026, 3, 2)


@pytest.fixture
def seeded():
    from policies.services import policies_load_seeds

    policies_load_seeds()


def _region(code: str, name: str, parent: str | None = None) -> Region:
    found = Region.objects.filter(code=code).first()
    if found:
        return found
    return RegionFactory(
        code=code, name=name, parent=Region.objects.get(code=parent) if parent else None
    )


def steps(settlement) -> dict[str, str]:
    return {line["step"]: line["rule"] for line in settlement.explanation}


def test_registry_decides_a_claim_that_does_not_say_and_a_false_flag_must_agree(seeded):
    # Wuhan 第十七条: a long-term filing at 广州市. A claim that does not say is settled as the
    # registry says, filed: no 10 % first pay; (1200 − 700) × 80 % = 400.00 (level 1), and the
    # explanation says the registry decided. A claim that says false disagrees with the
    # registry: 400 naming the field (DESIGN.md "Out-of-region filings"), nothing written.
    person = person_in("420100")
    guangzhou = _region("440100", "广州市")
    filing_record(person=person, kind="long_term", region=guangzhou, valid_from=date(2026, 1, 1))
    gz = InstitutionFactory(region=guangzhou, level="1")
    with pytest.raises(DomainError) as err:
        settlement_create(request=claim(person, gz, "1200.00", "G0", out_of_region_filed=False))
    assert err.value.field == "out_of_region_filed"
    assert "长期备案（广州市）" in err.value.message and "2026-03-02" in err.value.message
    assert "结算请求标明未备案" in err.value.message  # in Chinese (it was shown in English)
    assert not Settlement.objects.exists()
    s, _ = settlement_create(request=claim(person, gz, "1200.00", "G1"))
    assert (s.out_of_region_filed, s.first_pay_amount, s.pool_paid) == (
        True,
        D("0.00"),
        D("400.00"),
    )
    rule = steps(s)["out_of_region_filed"]
    assert "第十七条" in rule and "广州市" in rule and "以备案登记为准" in rule


def test_flagged_true_without_a_covering_filing_is_refused_naming_the_rule(seeded):
    # The long-term filing covers only 广州市 (Wuhan 第十七条): at 深圳市 a claim flagged true
    # is refused naming 第十七条; sent false it pays the unfiled 10 % first: 500 × 10 % = 50.00,
    # then 450 × 80 % = 360.00 (the deductible already used by an earlier claim).
    person = person_in("420100")
    guangzhou, shenzhen = _region("440100", "广州市"), _region("440300", "深圳市")
    filing_record(person=person, kind="long_term", region=guangzhou, valid_from=date(2026, 1, 1))
    settlement_create(request=claim(person, hospital_in("420100"), "700.00", "L1"))
    sz = InstitutionFactory(region=shenzhen, level="1")
    with pytest.raises(DomainError) as err:
        settlement_create(request=claim(person, sz, "500.00", "S1", out_of_region_filed=True))
    assert err.value.field == "out_of_region_filed"
    assert "第十七条" in err.value.message and "2026-03-02" in err.value.message
    s, _ = settlement_create(request=claim(person, sz, "500.00", "S2"))
    assert (s.out_of_region_filed, s.first_pay_amount, s.pool_paid) == (
        False,
        D("50.00"),
        D("360.00"),
    )
    assert "out_of_region_filed" not in steps(s)


def test_baotou_temporary_filing_same_level_same_ratio_within_its_validity(seeded):
    # Baotou 第十五条: a filed cross-province person gets the same level's ratio as at home:
    # a temporary filing to 广东省 (2026-03-01..2026-06-30) covers 深圳市; at a level-2 hospital
    # (1500 − 1000 deductible) × 60 % = 300.00, as at a level-2 hospital in Baotou. Ended on
    # 2026-03-02 it covers the 2nd, not the 3rd: then unfiled, and Baotou gives no unfiled rule
    # (the first-pay rate is unset): refused naming 第十五条.
    home, away = person_in("150200"), person_in("150200")
    _region("440000", "广东省")
    shenzhen = _region("440300", "深圳市")
    filing = filing_record(
        person=away,
        kind="temporary",
        region=Region.objects.get(code="440000"),
        valid_from=date(2026, 3, 1),
        valid_to=date(2026, 6, 30),
    )
    local, _ = settlement_create(request=claim(home, hospital_in("150200", "2"), "1500.00", "H"))
    sz = InstitutionFactory(region=shenzhen, level="2")
    s, _ = settlement_create(request=claim(away, sz, "1500.00", "A1"))
    assert (s.deductible_applied, s.pool_paid) == (local.deductible_applied, local.pool_paid)
    assert s.pool_paid == D("300.00") and s.out_of_region_filed
    assert "第十五条" in steps(s)["out_of_region_filed"]
    assert "临时备案（广东省）" in steps(s)["out_of_region_filed"]
    filing_end(filing=filing, valid_to=date(2026, 3, 2), reason="回本地")
    later = claim(away, sz, "100.00", "A2", visit_date=date(2026, 3, 3))
    with pytest.raises(DomainError) as err:
        settlement_create(request=later)
    assert "第十五条" in err.value.message
    with pytest.raises(DomainError) as err:
        settlement_create(
            request=claim(away, sz, "100.00", "A3", visit_date=date(2026, 3, 3),
                          out_of_region_filed=True)
        )  # fmt: skip
    assert err.value.field == "out_of_region_filed" and "第十五条" in err.value.message


def test_yuxi_refused_online_points_to_manual_reimbursement_article_21(seeded):
    # Yuxi 第二十一条: a claim that could not be settled on-line is settled by the bureau from
    # the paper materials (手工报销). An unfiled visit at 昆明市 is refused on-line (no unfiled
    # rule), and the refusal says where to go and why.
    person = person_in("530400")
    kunming = _region("530100", "昆明市", parent="530000")
    km = InstitutionFactory(region=kunming, level="1")
    for flag in (False, True):
        with pytest.raises(DomainError) as err:
            settlement_preview(request=claim(person, km, "200.00", "K0", out_of_region_filed=flag))
        assert "第二十一条" in err.value.message and "手工报销" in err.value.message
    # A local claim refused for another reason gets no such pointer.
    local = hospital_in("530400")
    with pytest.raises(DomainError) as err:
        settlement_preview(request=claim(person, local, "200.00", "K1", class_b_amount=D("10")))
    assert "手工报销" not in err.value.message


def test_yuxi_manual_claim_records_manual_reimbursement_under_article_21(seeded, client):
    # Filed at 昆明市 (long-term), the on-line settlement failed; the clerk keys the invoice in:
    # per visit 30.00 at level 1, (200 − 30) × 60 % = 102.00 pooled; the slip and the
    # explanation say 手工报销 under 第二十一条; the settlement records the channel.
    person = person_in("530400")
    kunming = _region("530100", "昆明市", parent="530000")
    filing_record(person=person, kind="long_term", region=kunming, valid_from=date(2026, 1, 1))
    km = InstitutionFactory(region=kunming, level="1")
    client.force_login(UserFactory(roles=["clerk"]))
    data = form_data(
        person, km, visit_date=VISIT.isoformat(), total_amount="200.00", use_account=""
    )
    token = preview(client, data)
    assert (
        client.post("/claims/manual/", {**data, "preview": "1"})
        .content.decode()
        .count("第二十一条")
    )
    response = confirm(client, data, token)
    s = Settlement.objects.get()
    assert response.status_code == 302
    assert (s.channel, s.out_of_region_filed, s.deductible_applied, s.pool_paid) == (
        "manual",
        True,
        D("30.00"),
        D("102.00"),
    )
    rule = steps(s)["manual_reimbursement"]
    assert "第二十一条" in rule and "手工报销" in rule
    slip = client.get(f"/claims/settlements/{s.pk}/").content.decode()
    assert 'data-channel="manual"' in slip and "第二十一条" in slip
    # A manual claim at home: recorded as manual, but 第二十一条 (out-of-region) is not cited.
    local = form_data(
        person, hospital_in("530400"), claim_number="INV-2", visit_date=VISIT.isoformat(),
        total_amount="200.00", use_account="",
    )  # fmt: skip
    confirm(client, local, preview(client, local))
    home = Settlement.objects.get(claim_number="INV-2")
    assert home.channel == "manual" and "manual_reimbursement" not in steps(home)


def test_online_claims_keep_their_fingerprint_and_channel(seeded):
    person = person_in("420100")
    s, _ = settlement_create(request=claim(person, hospital_in("420100"), "100.00", "O1"))
    assert s.channel == "online"


def test_the_api_answers_the_registrys_decision(seeded):
    # Not sent over the API, covered by the registry: filed, and the response says so; sent
    # false, a 400 naming the field.
    from tests.claims.test_document_rules import clerk_client

    person = person_in("420100")
    guangzhou = _region("440100", "广州市")
    filing_record(person=person, kind="long_term", region=guangzhou, valid_from=date(2026, 1, 1))
    gz = InstitutionFactory(region=guangzhou, level="1")
    body = {
        "claim_number": "API-1", "person": person.pk, "institution": gz.pk,
        "visit_date": "2026-03-02", "benefit": "general_outpatient", "total_amount": "1200.00",
        "use_account": False,
    }  # fmt: skip
    refused = clerk_client().post(
        "/api/v1/claims/", {**body, "out_of_region_filed": False}, format="json"
    )
    assert refused.status_code == 400 and "out_of_region_filed" in refused.json(), refused.content
    response = clerk_client().post("/api/v1/claims/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["out_of_region_filed"], data["channel"], data["pool_paid"]) == (
        True,
        "online",
        "400.00",
    )


def test_a_filing_line_is_a_note_shown_without_a_figure(seeded):
    # The filing line moves no money: stored with ``note`` and shown on the slip without the
    # 0.00 every line carries, both from the stored settlement and from a preview (a 0.00 beside
    # a rule would read as a figure); the lines that move money keep theirs, 0.00 included.
    from django.template.loader import render_to_string

    person = person_in("420100")
    guangzhou = _region("440100", "广州市")
    filing_record(person=person, kind="long_term", region=guangzhou, valid_from=date(2026, 1, 1))
    gz = InstitutionFactory(region=guangzhou, level="1")
    s, _ = settlement_create(request=claim(person, gz, "1200.00", "N1"))
    line = next(x for x in s.explanation if x["step"] == "out_of_region_filed")
    assert line["note"] is True and line["amount"] == "0.00"
    notes = {x["step"] for x in s.explanation if x.get("note")}
    assert notes == {"out_of_region_filed", "combined_max"}  # Wuhan 第十九条: the limit unset
    preview_b = settlement_preview(request=claim(person, gz, "1200.00", "N2"))
    for shown in (s, preview_b):
        html = render_to_string("claims/_figures.html", {"s": shown})
        items = html.split('<ol class="explanation">')[1].split("</li>")
        filed = next(i for i in items if "异地就医备案" in i)
        assert 'class="num"' not in filed
        assert [x.step if hasattr(x, "step") else x["step"] for x in shown.explanation][
            -1
        ] == "cash"
        assert 'class="num">' in items[-2]  # the cash line keeps its figure
