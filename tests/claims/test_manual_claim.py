"""手工报销 (issue 16): the confirmation settles exactly what the clerk previewed, and a claim
number already used at the institution is said at the preview, with a link to its slip."""

import re
from decimal import Decimal as D

import pytest
from django.core import signing

import claims.views
from accounts.models import PersonalAccount
from claims.models import Settlement
from claims.settlement import settlement_create
from tests.claims.test_settlement import _world, request
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGED = "预结算之后报销内容有改动"


@pytest.fixture
def world(db):
    return _world()


@pytest.fixture
def clerk(client):
    client.force_login(UserFactory(username="clerk1", roles=["clerk"]))
    return client


def form_data(person, hospital, **changes):
    data = {
        "claim_number": "INV-001",
        "id_number": person.id_number,
        "institution": hospital.code,
        "visit_date": "2026-03-01",
        "benefit": "general_outpatient",
        "total_amount": "1200.00",
        "self_pay_amount": "0.00",
        "class_b_amount": "0.00",
        "use_account": "on",
    }
    data.update(changes)
    return data


def preview(client, data) -> str:
    """Preview ``data``; the signed token the page carries for the confirmation."""
    response = client.post("/claims/manual/", {**data, "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and 'id="preview"' in html, html
    return re.search(r'name="preview_token" value="([^"]+)"', html).group(1)


def confirm(client, data, token):
    return client.post("/claims/manual/", {**data, "confirm": "1", "preview_token": token})


def refused(response, text=CHANGED) -> str:
    html = response.content.decode()
    assert response.status_code == 400, response  # a refusal is a 4xx, with its reason
    assert text in html, html
    assert 'name="confirm"' not in html and 'name="preview_token"' not in html
    return html


def test_the_previewed_claim_settles_with_the_previewed_figures(world, clerk):
    # 武汉: 700.00 deductible, 80 % of the 500.00 above it pooled (400.00), 800.00 from the
    # account (balance 1000.00).
    person, account, hospital = world
    data = form_data(person, hospital)
    token = preview(clerk, data)
    response = confirm(clerk, data, token)
    settlement = Settlement.objects.get()
    assert response.status_code == 302 and response.url == f"/claims/settlements/{settlement.pk}/"
    assert (settlement.pool_paid, settlement.account_paid) == (D("400.00"), D("800.00"))
    # A second click on the same confirmation gives the same slip, nothing settled twice.
    again = confirm(clerk, data, token)
    assert again.status_code == 302 and again.url == response.url
    assert Settlement.objects.count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"total_amount": "5000.00"},
        {"total_amount": "1200.01"},
        {"self_pay_amount": "100.00"},
        {"class_b_amount": "100.00"},
        {"visit_date": "2026-03-02"},
        {"claim_number": "INV-002"},
        {"use_account": ""},
        {"benefit": "chronic", "disease_code": "I10"},
    ],
    ids=lambda change: ",".join(change),
)
def test_a_claim_changed_after_the_preview_is_refused(world, clerk, change):
    """The issue's case: preview 1,200.00, then change the amount and confirm."""
    person, account, hospital = world
    data = form_data(person, hospital)
    token = preview(clerk, data)
    changed = {k: v for k, v in {**data, **change}.items() if v != ""}
    refused(confirm(clerk, changed, token))
    assert not Settlement.objects.exists()
    account.refresh_from_db()
    assert account.balance == D("1000.00")


def test_a_confirmation_without_a_valid_preview_is_refused(world, clerk):
    person, account, hospital = world
    data = form_data(person, hospital)
    refused(clerk.post("/claims/manual/", {**data, "confirm": "1"}))  # never previewed
    refused(confirm(clerk, data, "forged"))
    token = preview(clerk, data)
    refused(confirm(clerk, data, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")))
    # Another clerk's preview (same input) does not confirm for this one.
    other = signing.loads(token, salt=claims.views.PREVIEW_SALT)
    foreign = signing.dumps({**other, "user": other["user"] + 1}, salt=claims.views.PREVIEW_SALT)
    refused(confirm(clerk, data, foreign))
    assert not Settlement.objects.exists()


def test_an_old_preview_is_previewed_again(world, clerk, monkeypatch):
    person, account, hospital = world
    data = form_data(person, hospital)
    token = preview(clerk, data)
    monkeypatch.setattr(claims.views, "PREVIEW_MAX_AGE", -1)
    refused(confirm(clerk, data, token), "请重新预结算")
    assert not Settlement.objects.exists()


def test_figures_that_moved_since_the_preview_are_refused(world, clerk):
    """Same input, but another claim of 1,600.00 settled meanwhile (700.00 deductible, 720.00
    pooled, 880.00 from the account, 120.00 left): the preview said 400.00 pooled and 800.00
    from the account, the claim would now pay 960.00 pooled and 120.00 from the account and
    120.00 cash (武汉: the deductible is reached, 80 % pooled): nothing is settled."""
    person, account, hospital = world
    data = form_data(person, hospital)
    token = preview(clerk, data)
    settlement_create(request=request(person, hospital, "OTHER", "1600.00"))
    account.refresh_from_db()
    balance = account.balance
    refused(confirm(clerk, data, token), "账户余额")
    assert not Settlement.objects.filter(claim_number="INV-001").exists()
    account.refresh_from_db()
    assert account.balance == balance
    # Previewed again, the new figures settle.
    response = confirm(clerk, data, preview(clerk, data))
    assert response.status_code == 302
    settled = Settlement.objects.get(claim_number="INV-001")
    assert balance == D("120.00")
    assert (settled.pool_paid, settled.account_paid, settled.cash_paid) == (
        D("960.00"),
        D("120.00"),
        D("120.00"),
    )


def test_a_used_claim_number_is_said_at_the_preview_with_a_link(world, clerk):
    person, account, hospital = world
    existing, _ = settlement_create(request=request(person, hospital, "INV-001", "300.00"))
    for data in (form_data(person, hospital), form_data(person, hospital, total_amount="300.00")):
        response = clerk.post("/claims/manual/", {**data, "preview": "1"})
        html = response.content.decode()
        assert response.status_code == 400
        error = re.search(r'data-field="claim_number">(.*?)</div>', html, re.S).group(1)
        assert "INV-001" in error and "已结算" in error
        assert f'href="/claims/settlements/{existing.pk}/"' in error
        assert 'id="preview"' not in html and 'name="confirm"' not in html
    assert Settlement.objects.count() == 1
    assert PersonalAccount.objects.get(pk=account.pk).balance == D("700.00")


def test_the_preview_and_the_slip_show_the_same_steps_with_percents(world, clerk):
    """The calculation steps read as a bureau writes them (× 80%, 200.00 × 10%, never × 0.80),
    and the slip shows every step's amount exactly as the preview did (a 0.00 included)."""
    person, account, hospital = world
    data = form_data(person, hospital, class_b_amount="200")
    page = clerk.post("/claims/manual/", {**data, "preview": "1"}).content.decode()
    token = re.search(r'name="preview_token" value="([^"]+)"', page).group(1)
    slip_url = confirm(clerk, data, token).url
    slip = clerk.get(slip_url).content.decode()

    def steps(html):
        found = re.search(r'<ol class="explanation">(.*?)</ol>', html, re.S).group(1)
        return [re.sub(r"<[^>]+>", "", li).split("—")[0].strip() for li in found.split("<li>")]

    assert steps(page) == steps(slip)
    for html in (page, slip):
        assert "200.00 × 10%" in html and "× 80%" in html
        assert not re.search(r"× 0\.\d", html)


def test_the_forms_help_texts_are_shown(clerk):
    # The page draws its own rows: the help of the filing box and of the holder's ID number
    # (what the registry decides, what the holder's number does) was never shown.
    page = clerk.get("/claims/manual/").content.decode()
    assert "以异地就医备案登记（见人员页面）为准" in page
    assert "在有效的家庭共济授权下，使用亲属的个人账户支付。" in page


def test_a_self_pay_above_the_total_is_the_one_error_named(world, clerk):
    # 全自费 200.00 of a 100.00 total: the class-B amount of 0.00 was blamed as well
    # (超过政策范围内费用), for an in-policy amount made negative by the real error.
    person, account, hospital = world
    data = form_data(person, hospital, total_amount="100.00", self_pay_amount="200.00")
    html = clerk.post("/claims/manual/", {**data, "preview": "1"}).content.decode()
    assert re.findall(r'data-field="(\w+)"', html) == ["self_pay_amount"]
    assert "超过总费用。" in html and "超过政策范围内费用" not in html
    assert 'value="200.00"' in html and 'value="100.00"' in html  # kept as given


def test_a_chronic_claim_without_certification_is_refused_in_chinese(world, clerk):
    # The page showed the calculator's English: No approved chronic certification for disease
    # I10 on the visit date.
    from claims.models import Disease

    Disease.objects.get_or_create(code="I10", defaults={"name": "高血压", "kind": "chronic"})
    person, account, hospital = world
    data = form_data(person, hospital, benefit="chronic", disease_code="I10")
    response = clerk.post("/claims/manual/", {**data, "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 400 and 'data-field="disease_code"' in html
    assert "就诊日期无已认定的门诊慢性病（病种 I10）" in html and "No approved" not in html
