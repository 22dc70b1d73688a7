"""A policy administrator fills Baotou's average pension and tries a Changchun cap above
Jilin's ceiling from the publish form, seeing the difference before publishing."""

import os

import pytest

from policies.models import PolicyVersion, Region
from policies.services import policies_load_seeds
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PENSION = 'input[name="set:account.retiree.average_pension"]'


def login(page, live_server):
    UserFactory(username="policy", roles=["policy_admin"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "policy")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


@pytest.mark.django_db(transaction=True)
def test_publish_a_fill_with_its_difference_shown_first(page, live_server, tmp_path):
    policies_load_seeds()
    login(page, live_server)
    # At 1024 px the base-version select (options carry the full 文号 and title) stays in its
    # box: Jilin's form scrolled sideways by 250 px.
    page.set_viewport_size({"width": 1024, "height": 900})
    for code in ("220000", "150200"):
        page.goto(f"{live_server.url}/policies/{code}/publish/")
        assert page.evaluate(
            "document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
        ), code
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/policies/150200/publish/")
    page.fill("#id_effective_from", "2023-01-01")
    page.fill("#id_source", "内人社发〔2022〕演示号《关于公布2021年全区平均基本养老金的通知》")
    page.fill(PENSION, "3000.00")
    page.click('button[name="preview"]')
    row = page.locator('#preview tr[data-path="account.retiree.average_pension"]')
    assert "3,000.00" in row.inner_text()
    assert "基本养老金平均水平" in page.locator("#preview .plan").first.inner_text()
    shot = os.environ.get("H17_SCREENSHOT_DIR", str(tmp_path))
    page.screenshot(path=f"{shot}/publish-preview.png", full_page=True)
    assert not PolicyVersion.objects.filter(kind="fill").exists()  # nothing published yet
    page.click('button[name="publish"]')
    page.wait_for_url(f"{live_server.url}/policies/150200/?version=*")
    fill = PolicyVersion.objects.get(kind="fill")
    assert fill.document["account"]["retiree"]["average_pension"] == "3000.00"
    assert (fill.effective_to, fill.region.code) == (None, "150200")

    # A pooling area created from its page; a cap above Jilin's ceiling is named next to it.
    page.goto(f"{live_server.url}/policies/new/?parent=220000")
    page.fill("#id_code", "220100")
    page.fill("#id_name", "长春市")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/policies/220100/")
    assert Region.objects.get(code="220100").parent.code == "220000"
    page.goto(f"{live_server.url}/policies/220100/publish/")
    page.fill("#id_effective_from", "2023-01-01")
    page.fill("#id_source", "长春示范")
    page.fill(
        "#id_document",
        '{"general_outpatient": {"annual_cap": {"employee": "2500.00"}}, "sources": {}}',
    )
    page.click('button[name="preview"]')
    row = page.locator('#preview tr[data-path="general_outpatient.annual_cap.employee"]')
    text = row.inner_text()
    assert "2500.00" in text and "吉医保联〔2022〕22号" in text and "2000.00" in text
    assert page.locator('button[name="publish"]').count() == 0
    page.screenshot(path=f"{shot}/publish-bound.png", full_page=True)
    assert not PolicyVersion.objects.filter(region__code="220100").exists()
