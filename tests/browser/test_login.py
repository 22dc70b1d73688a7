"""A clerk signs in with a real browser and sees the clerk's home page."""

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_clerk_logs_in_and_sees_the_home_page(page, live_server, tmp_path):
    UserFactory(username="clerk", first_name="经办", last_name="王", roles=["clerk"])
    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    section = page.locator('section[data-role="clerk"]')
    assert section.is_visible()
    assert "经办" in section.locator("h2").inner_text()
    assert "欢迎" in page.locator("h1").inner_text()
    # The stylesheet and htmx are served (no CDN, nothing from the internet).
    assert page.evaluate("() => typeof window.htmx") == "object"
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)
