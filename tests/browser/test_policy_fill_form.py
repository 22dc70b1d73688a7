"""A policy administrator fills Baotou's average pension for 2022-10..2022-12 from the publish
form: picks the start date, gets the version in force then with its unset parameters as named
fields, sees a bad figure refused next to the field, then the difference and what the fill
fills, and publishes (issue 17 items 4 and 6)."""

import os

import pytest

from policies.models import PolicyVersion
from policies.services import policies_load_seeds
from tests.browser.test_policy_publish import login

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PENSION = 'input[name="set:account.retiree.average_pension"]'


@pytest.mark.django_db(transaction=True)
def test_fill_an_earlier_period_from_named_fields(page, live_server, tmp_path):
    policies_load_seeds()
    login(page, live_server)
    shot = os.environ.get("H17_SCREENSHOT_DIR", str(tmp_path))
    page.goto(f"{live_server.url}/policies/150200/publish/")
    page.fill("#id_on", "2022-10-01")
    page.click('button[name="load"]')
    page.wait_for_url("**/policies/150200/publish/?on=2022-10-01*")
    assert "2022-10-01 – 2022-12-31" in page.locator("#base-version").inner_text()
    assert page.input_value("#id_effective_from") == "2022-10-01"
    row = page.locator('#unset-params tr[data-path="account.retiree.average_pension"]')
    assert "基本养老金平均水平" in row.inner_text() and "第四条" in row.inner_text()
    page.screenshot(path=f"{shot}/fill-form-loaded.png", full_page=True)

    page.fill("#id_effective_to", "2022-12-31")
    page.fill(
        "#id_source", "内人社发〔2022〕演示号《关于公布2021年全区平均基本养老金的通知》（演示数据）"
    )
    page.fill(PENSION, "３５１２.40")
    page.click('button[name="preview"]')
    error = page.locator(
        '#unset-params tr[data-path="account.retiree.average_pension"] .form-error'
    )
    assert "半角数字" in error.inner_text()
    assert page.locator('button[name="publish"]').count() == 0
    page.screenshot(path=f"{shot}/fill-form-error.png", full_page=True)

    page.fill(PENSION, "3512.40")
    page.click('button[name="preview"]')
    assert "2022-10-01 – 2022-12-31" in page.locator("#diff-against").inner_text()
    diff = page.locator('#preview tr[data-path="account.retiree.average_pension"]').inner_text()
    assert "3,512.40" in diff or "3512.40" in diff
    plan = page.locator("#preview").inner_text()
    assert "补充设定的版本" in plan and "2022-10-01 – 2022-12-31" in plan
    page.screenshot(path=f"{shot}/fill-form-preview.png", full_page=True)
    assert not PolicyVersion.objects.filter(kind="fill").exists()
    page.click('button[name="publish"]')
    page.wait_for_url(f"{live_server.url}/policies/150200/?version=*")
    fill = PolicyVersion.objects.get(kind="fill")
    assert fill.document["account"]["retiree"]["average_pension"] == "3512.40"
    assert (fill.effective_from.isoformat(), fill.effective_to.isoformat()) == (
        "2022-10-01",
        "2022-12-31",
    )
