"""A clerk registers a person in a real browser: a refusal next to the field, then success."""

from datetime import date

import pytest

from enrollment.id_numbers import make
from enrollment.models import Person
from policies.models import Region
from policies.services import policies_load_seeds
from tests.factories import PASSWORD, EmployerFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def setup(transactional_db):
    policies_load_seeds()
    EmployerFactory(code="WH001", name="武汉重型机床厂", region=Region.objects.get(code="420100"))
    UserFactory(username="clerk", roles=["clerk"])


@pytest.mark.django_db(transaction=True)
def test_clerk_registers_a_person(setup, page, live_server, tmp_path):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    page.click("text=参保登记")
    good = make("420102", date(1984, 6, 9), 27)
    page.fill("#id_id_number", good[:-1] + ("0" if good[-1] != "0" else "1"))  # wrong check digit
    page.fill("#id_name", "刘德华")
    page.select_option("#id_region", "420100")
    page.select_option("#id_employer", label="武汉重型机床厂（WH001）")
    page.fill("#id_contribution_base", "9000.00")
    page.click("button.primary")
    error = page.locator('[data-field="id_number"]')
    assert "校验位" in error.inner_text()
    page.screenshot(path=str(tmp_path / "refused.png"), full_page=True)
    page.fill("#id_id_number", good)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/enrollment/persons/*/")
    assert "刘德华" in page.locator("h1").inner_text()
    assert "1984-06-09" in page.content()
    person = Person.objects.get(id_number=good)
    assert person.history.first().history_user.username == "clerk"
