"""结算查询, 撤销 and the printed slip and statement in a real browser, as the roles that use
them; screenshots and PDFs are kept in the test's temporary directory."""

import re

import pytest

from claims.models import Settlement
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def _pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.django_db(transaction=True)
def test_clerk_finds_reverses_and_prints_a_settlement(page, live_server, tmp_path):
    from tests.claims.test_settlement_pages import make_settlements

    person, other, hospital, made = make_settlements()
    UserFactory(username="clerk", roles=["clerk"], last_name="王", first_name="经办")
    page.set_viewport_size({"width": 1366, "height": 900})
    _sign_in(page, live_server, "clerk")
    page.click("text=结算查询")
    page.fill("#id_person", person.id_number)
    page.click("form.filters button.primary")
    rows = page.locator('[data-table="settlements"] tbody tr')
    assert rows.count() == 2
    assert "1,200.00" in rows.all_inner_texts()[-1] or "1,200.00" in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    page.click(f"text={made[0].claim_number}")
    page.wait_for_url(f"**/claims/settlements/{made[0].pk}/")
    page.click("text=撤销该笔结算")
    page.wait_for_url(f"**/claims/settlements/{made[0].pk}/reverse/")
    page.click("button.danger")  # neither reason nor confirmation: refused, nothing reversed
    assert page.locator('[data-field="reason"]').is_visible()
    assert Settlement.objects.get(pk=made[0].pk).status == "settled"
    page.screenshot(path=str(tmp_path / "reverse-refused.png"), full_page=True)
    page.fill("#id_reason", "发票重复录入")
    page.check("#id_confirm")
    page.click("button.danger")
    page.wait_for_url(f"**/claims/settlements/{made[0].pk}/")
    note = page.locator("[data-reversal]").inner_text()
    assert "本次结算已撤销" in note and "王经办" in note and "发票重复录入" in note
    badge = page.locator("h1 .badge-reversed")
    assert badge.inner_text() == "已撤销"
    assert badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(197, 48, 48)"
    page.screenshot(path=str(tmp_path / "reversed-slip.png"), full_page=True)
    # At 1024 px the turned 已撤销 watermark stays inside the slip (it made the page scroll
    # sideways by some 190 px).
    page.set_viewport_size({"width": 1024, "height": 900})
    assert page.evaluate(
        "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )
    page.screenshot(path=str(tmp_path / "reversed-slip-1024.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 900})
    # Printed: no screen messages or buttons; the watermark, the capital total, the signatures.
    page.emulate_media(media="print")
    assert not page.locator(".messages").is_visible()
    assert not page.locator(".toolbar").is_visible()
    assert page.locator(".watermark").is_visible()
    text = page.inner_text("[data-document]")
    for words in ("医疗保障局", "门诊费用结算单", "打印时间", "经办人", "盖章"):
        assert words in text, words
    assert "壹仟贰佰元整" in page.inner_text("[data-capital]")
    # The platform's field names (medfee_sumamt…) are for the screen; the paper has the
    # Chinese names only.
    assert "medfee_sumamt" not in text and "医疗费总额" in text
    page.screenshot(path=str(tmp_path / "reversed-slip-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "slip.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 1


@pytest.mark.django_db(transaction=True)
def test_clerk_prints_an_account_statement_with_its_range(page, live_server, tmp_path):
    from tests.claims.test_settlement_pages import make_settlements

    person, other, hospital, made = make_settlements()
    UserFactory(username="clerk", roles=["clerk"])
    _sign_in(page, live_server, "clerk")
    page.goto(
        f"{live_server.url}/accounts/persons/{person.pk}/statement/"
        "?date_from=2020-01-01&date_to=2030-12-31"
    )
    assert "2020-01-01" in page.inner_text("[data-range]")
    assert "2030-12-31" in page.inner_text("[data-range]")
    link = page.locator("table.data a[href*='/claims/settlements/']").first
    assert link.count() == 1  # the settlement's ledger entry links to its slip
    page.emulate_media(media="print")
    assert not page.locator("form.toolbar").is_visible()
    text = page.inner_text("[data-document]")
    assert "个人账户对账单" in text and "期末余额（大写）" in text and "盖章" in text
    page.screenshot(path=str(tmp_path / "statement-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "statement.pdf").write_bytes(pdf)
    assert _pages(pdf) >= 1


@pytest.mark.django_db(transaction=True)
def test_auditor_meets_disabled_buttons_and_chinese_refusals(page, live_server, tmp_path):
    from tests.claims.test_settlement_pages import make_settlements

    made = make_settlements()[3]
    UserFactory(username="auditor", roles=["auditor"])
    _sign_in(page, live_server, "auditor")
    page.goto(f"{live_server.url}/claims/manual/")
    submits = page.locator("main form[method='post'] button:not([type='button'])")
    assert submits.count() >= 1
    for i in range(submits.count()):
        assert submits.nth(i).is_disabled()
    assert "只读" in page.inner_text("main")
    page.screenshot(path=str(tmp_path / "auditor-manual.png"), full_page=True)
    response = page.goto(f"{live_server.url}/claims/settlements/{made[0].pk}/reverse/")
    assert response.status == 403
    assert "无权访问" in page.inner_text("main") and page.locator("text=返回首页").is_visible()
    page.screenshot(path=str(tmp_path / "auditor-403.png"), full_page=True)
    response = page.goto(f"{live_server.url}/no-such-page/")
    assert response.status == 404 and "页面不存在" in page.inner_text("main")
    page.goto(f"{live_server.url}/claims/settlements/")
    assert "/reverse/" not in page.content()
