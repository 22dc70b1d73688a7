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


@pytest.mark.django_db(transaction=True)
def test_hovering_every_chart_keeps_the_content_security_policy(page, live_server, tmp_path):
    """Issue 16: ECharts' HTML tooltips set inline styles, which the CSP (style-src 'self')
    refuses (182 refusals on the dashboards). The mouse crosses every chart of every dashboard
    page; a tooltip must appear (the chart's pixels change) and no refusal may be reported."""
    reseed_what_migrations_seed()
    call_command("load_demo")
    UserFactory(username="manager", roles=["manager"])
    refused = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    hovered = 0
    for n, path in enumerate(PAGES):
        page.goto(f"{live_server.url}/dashboards/{path}")
        page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
        charts = page.locator("[data-chart]")
        for i in range(charts.count()):
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            page.mouse.move(0, 0)
            page.wait_for_timeout(300)
            before = chart.screenshot()
            box = chart.bounding_box()
            shot = tmp_path / f"hover-{n}-{i}.png"
            changed = False
            # Across the chart at three heights, every 25 pixels: bars, lines and the slices
            # of a pie (a ring around the middle) are all crossed. A tooltip drawn on the
            # canvas changes the chart's pixels; the first one is kept as a screenshot.
            steps = max(2, int(box["width"] // 25))
            for y in (0.5, 0.4, 0.6):
                if changed:  # a whole line crossed with a tooltip shown: the chart is done
                    break
                for step in range(1, steps):
                    x = box["x"] + box["width"] * step / steps
                    page.mouse.move(x, box["y"] + box["height"] * y)
                    page.wait_for_timeout(10)
                    if not changed and step % 4 == 0:
                        page.wait_for_timeout(150)
                        changed = chart.screenshot(path=str(shot)) != before
            assert changed, f"no tooltip on chart {i} of /dashboards/{path}"
            hovered += 1
            assert refused == [], (path, i, refused[:3], len(refused))
        page.screenshot(path=str(tmp_path / f"hover-{n}.png"), full_page=True)
    assert hovered >= len(PAGES)
