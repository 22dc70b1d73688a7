"""An auditor finds a clerk's change in the audit trail with a real browser."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.claims.test_settlement import _world
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_auditor_searches_the_trail_by_id_number(page, live_server, tmp_path):
    person, _, _ = _world()
    clerk = UserFactory(username="clerk-li", first_name="丽", last_name="李", roles=["clerk"])
    api = APIClient(REMOTE_ADDR="192.168.3.14")
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    changed = api.patch(
        f"/api/v1/persons/{person.pk}/", {"contribution_base": "8800.00"}, format="json"
    )
    assert changed.status_code == 200
    UserFactory(username="auditor", roles=["auditor"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "auditor")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    page.click("text=审计日志")
    page.fill("#id_person", person.id_number)
    page.click("button.primary")
    row = page.locator("table.audit tbody tr", has_text="192.168.3.14")
    assert row.count() == 1
    text = row.inner_text()
    assert "clerk-li" in text and "8,800.00" in text and person.name in text
    assert "参保人员" in text  # the action in Chinese
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
