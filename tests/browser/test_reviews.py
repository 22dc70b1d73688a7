"""Two-person review (经办/复核) in a real browser: a clerk asks to reverse a large settlement,
the slip shows it awaiting review, another clerk opens the 待复核 queue, sees the slip to
reverse and approves it; the slip is then reversed with who reversed and who reviewed.
Screenshots are kept in the test's temporary directory (and REVIEW_SCREENSHOTS when set)."""

import os
import shutil

import pytest

from claims.models import Settlement
from staff.models import AuditEvent, ReviewRequest
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.review]


def _sign_in(page, live_server, username):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.django_db(transaction=True)
def test_clerk_asks_a_large_reversal_and_a_reviewer_approves_it(page, live_server, tmp_path):
    from tests.claims.test_settlement_pages import make_settlements

    made = make_settlements()[3]
    big = made[0]  # 1,200.00: above REVIEW_REVERSAL_ABOVE (1,000.00 by default)
    UserFactory(username="jingban", roles=["clerk"], last_name="王", first_name="经办")
    UserFactory(username="fuhe", roles=["clerk"], last_name="李", first_name="复核")
    shots = []

    def shot(name):
        path = tmp_path / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        shots.append(path)

    page.set_viewport_size({"width": 1366, "height": 900})
    _sign_in(page, live_server, "jingban")
    page.goto(f"{live_server.url}/claims/settlements/{big.pk}/reverse/")
    assert page.locator("[data-needs-review]").is_visible()
    page.fill("#id_reason", "发票重复录入")
    page.check("#id_confirm")
    shot("1-ask-reversal")
    page.click("button.danger")
    page.wait_for_url(f"**/claims/settlements/{big.pk}/")
    note = page.locator("[data-pending-review]").inner_text()
    assert "待复核" in note and "王经办" in note and "发票重复录入" in note
    assert page.locator("text=撤销该笔结算").count() == 0
    assert Settlement.objects.get(pk=big.pk).status == "settled"
    shot("2-slip-awaiting-review")

    _sign_in(page, live_server, "fuhe")
    page.click("main >> text=待复核")
    page.wait_for_url("**/reviews/")
    row = page.locator("[data-reviews] tbody tr").first
    assert "结算撤销" in row.inner_text() and "1,200.00" in row.inner_text()
    shot("3-review-queue")
    row.locator("a.button.primary").click()
    page.wait_for_url("**/reviews/*/")
    assert page.locator('[data-review-object="settlement"]').is_visible()
    assert "1,200.00" in page.inner_text("main")
    page.click("button[value=reject]")  # a rejection without its reason: refused
    assert page.locator('[data-field="reason"]').is_visible()
    assert ReviewRequest.objects.get().status == "pending"
    shot("4-review-page")
    page.fill("#id_reason", "核对票据无误")
    page.click("button[value=approve]")
    page.wait_for_url("**/reviews/*/")
    assert page.locator("[data-status]").inner_text() == "复核通过"
    assert "李复核" in page.locator("[data-decided]").inner_text()
    shot("5-approved")
    page.click(f"[data-review-object] a[href$='/claims/settlements/{big.pk}/']")
    page.wait_for_url(f"**/claims/settlements/{big.pk}/")
    reversal = page.locator("[data-reversal]").inner_text()
    assert "王经办" in reversal and "李复核" in reversal and "发票重复录入" in reversal
    assert page.locator("h1 .badge-reversed").inner_text() == "已撤销"
    shot("6-slip-reversed")
    assert Settlement.objects.get(pk=big.pk).status == "reversed"
    assert AuditEvent.objects.filter(action="claims.settlement.reverse").count() == 1
    assert set(
        AuditEvent.objects.filter(action__startswith="staff.review.").values_list(
            "action", "actor_name"
        )
    ) == {("staff.review.request", "jingban"), ("staff.review.approve", "fuhe")}
    keep = os.environ.get("REVIEW_SCREENSHOTS")
    if keep:
        os.makedirs(keep, exist_ok=True)
        for path in shots:
            shutil.copy(path, keep)
