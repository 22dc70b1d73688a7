"""A manager opens every dashboard in a real browser: the charts render (a canvas with data),
the tables are there, and a screenshot of each is kept in the test's temporary directory."""

import pytest
from django.core.management import call_command

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES = ["", "accounts/", "sharing/", "caps/", "chronic/", "institutions/"]


@pytest.mark.django_db(transaction=True)
def test_manager_sees_every_dashboard_drawn(page, live_server, tmp_path):
    reseed_what_migrations_seed()
    call_command("load_demo")
    UserFactory(username="manager", roles=["manager"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    for n, path in enumerate(PAGES):
        page.goto(f"{live_server.url}/dashboards/{path}")
        charts = page.locator("[data-chart]")
        assert charts.count() >= 1, path
        page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
        for i in range(charts.count()):
            chart = charts.nth(i)
            assert chart.get_attribute("data-rendered") == "true", path
            assert chart.locator("canvas").count() >= 1, path
        assert page.locator("table.figures tbody tr").count() >= 1, path
        page.screenshot(path=str(tmp_path / f"dashboard-{n}.png"), full_page=True)
        assert (tmp_path / f"dashboard-{n}.png").stat().st_size > 10_000
    # Drill down from the top institutions to one institution's claims.
    page.goto(f"{live_server.url}/dashboards/institutions/")
    page.locator("#panel-top table.figures tbody a").first.click()
    page.wait_for_url("**/dashboards/institutions/*/**")
    page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
    assert page.locator("table.data").count() == 2  # by month, and the claims themselves
    page.screenshot(path=str(tmp_path / "institution.png"), full_page=True)
    # Charts carry their figures: the fund overview's monthly series is not empty.
    page.goto(f"{live_server.url}/dashboards/")
    option = page.evaluate("JSON.parse(document.getElementById('chart-by_month').textContent)")
    assert any(value > 0 for series in option["series"] for value in series["data"])


def reseed_what_migrations_seed():
    """The demo needs the roles and the disease catalogue the migrations seed, which an earlier
    transactional test's flush removes."""
    from importlib import import_module

    from django.contrib.auth.models import Group

    from claims.models import Disease
    from staff.roles import ROLES

    for role in ROLES:
        Group.objects.get_or_create(name=role.code)
    for code, name, kind in import_module("claims.migrations.0002_seed_diseases").DISEASES:
        Disease.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
