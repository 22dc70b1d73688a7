"""Issue 19: every page each role can open, in chromium at 1024 pixels wide, with the demo data.

A page fails when it scrolls sideways (``scrollWidth > clientWidth`` of the scrolling element),
logs a console error or an uncaught exception, or has something refused by the content
security policy. A screenshot is saved for every failure and for every dashboard the manager
opens (at 1024 and 1366 pixels), under ``WALK_SHOTS`` if set, else the test's temporary directory.

Fast by design: one browser, one context per role (signed in by its session cookie, no login
form), the demo loaded once, each id of a route tried with one row (a page's layout
does not depend on which settlement it shows), and the pages found by the Django test client
first (only those that answer 200 with HTML are opened in the browser).
"""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN
from tests.browser.test_dashboards import reseed_what_migrations_seed
from tests.factories import UserFactory
from tests.helpers.browser import chinese_browser_env
from tests.pages.test_labels_walk import _ids, _paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROLES = (CLERK, MANAGER, AUDITOR, POLICY_ADMIN)
WIDTH, WIDE = 1024, 1366
PER_ID = 1
# A page's own scrolling box (a wide table in .table-wrap) is fine; the page itself is not.
SCROLLS_SIDEWAYS = (
    "(() => { const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth]; })()"
)


def _reachable(role_user, paths: list[str]) -> list[str]:
    """The paths the role opens as an HTML page (200), found without a browser."""
    client = Client()
    client.force_login(role_user)
    found = []
    for path in paths:
        response = client.get(path)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            found.append(path)
    return found


def _session_cookie(user, base_url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": base_url,
    }


def _console(message, problems: list[str]) -> None:
    """Console errors and CSP refusals; a failed load is reported by ``_response`` instead,
    with its address."""
    text = message.text
    if "Content Security Policy" in text or (
        message.type == "error" and not text.startswith("Failed to load resource")
    ):
        problems.append(f"console {message.type}: {text}")


def _response(response, problems: list[str]) -> None:
    """A page's resource that fails (4xx, 5xx); chromium's own guess at ``/favicon.ico`` (the
    pages name theirs, ``static/favicon.svg``) is no page's fault."""
    if response.status >= 400 and not response.url.endswith("/favicon.ico"):
        problems.append(f"{response.status} {response.url}")


def _click_chart(page, chart_id: str, at: float) -> None:
    """A click inside a chart's plot, ``at`` of the way across (in a category's column)."""
    chart = page.locator(f"[data-chart='{chart_id}']")
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    page.mouse.click(box["x"] + box["width"] * at, box["y"] + box["height"] * 0.55)


def _drill_downs(page, base: str, shots: Path) -> None:
    """Clicking a chart opens what it sums up: a month its settlements, a region its
    dashboard, an institution its page."""
    page.goto(f"{base}/dashboards/")
    page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
    _click_chart(page, "chart-by_month", 0.6)
    page.wait_for_url(re.compile(r"/claims/settlements/\?start=\d{4}-\d\d-01&end="))
    assert page.locator("table").count() >= 1
    page.screenshot(path=str(shots / "drill-month-settlements.png"), full_page=True)
    page.goto(f"{base}/dashboards/")
    page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
    _click_chart(page, "chart-by_region", 0.2)
    page.wait_for_url(re.compile(r"/dashboards/\?region=\d+"))
    page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
    page.screenshot(path=str(shots / "drill-region.png"), full_page=True)
    page.goto(f"{base}/dashboards/institutions/")
    page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
    _click_chart(page, "chart-top", 0.15)
    page.wait_for_url(re.compile(r"/dashboards/institutions/\d+/"))
    page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
    page.screenshot(path=str(shots / "drill-institution.png"), full_page=True)


def _shot_name(role: str, path: str, width: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"
    return f"{role}-{width}-{slug}.png"


@pytest.mark.django_db(transaction=True)
def test_every_page_of_every_role_fits_1024_pixels_without_errors(
    browser_path, live_server, tmp_path, monkeypatch
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    shots = Path(os.environ.get("WALK_SHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    reseed_what_migrations_seed()
    call_command("load_demo", stdout=io.StringIO())
    ids = {name: values[:PER_ID] for name, values in _ids().items()}
    paths = _paths(ids)
    users = {role: UserFactory(username=f"walk-{role}", roles=[role]) for role in ROLES}
    pages_of = {role: _reachable(users[role], paths) for role in ROLES}
    assert all(pages_of.values()), pages_of

    from playwright.sync_api import sync_playwright

    failures: list[str] = []
    opened = 0
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=browser_path,
            headless=True,
            env=chinese_browser_env(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--lang=zh-CN",
            ],
        )
        try:
            for role in ROLES:
                context = browser.new_context(
                    locale="zh-CN", viewport={"width": WIDTH, "height": 800}
                )
                context.add_cookies([_session_cookie(users[role], live_server.url)])
                page = context.new_page()
                page.set_default_timeout(15_000)
                problems: list[str] = []
                page.on("console", lambda m, problems=problems: _console(m, problems))
                page.on("response", lambda r, problems=problems: _response(r, problems))
                page.on("pageerror", lambda e, problems=problems: problems.append(f"error: {e}"))
                for path in pages_of[role]:
                    problems.clear()
                    page.goto(live_server.url + path, wait_until="load")
                    dashboard = path.startswith("/dashboards/")
                    if dashboard:
                        page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
                    opened += 1
                    width, client_width = page.evaluate(SCROLLS_SIDEWAYS)
                    if width > client_width:
                        wide = page.evaluate(
                            """() => [...document.querySelectorAll('body *')]
                              .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                              .slice(0, 3).map(e => e.tagName + '.' + e.className)"""
                        )
                        problems.append(f"scrolls sideways: {width} > {client_width} ({wide})")
                    if problems:
                        failures.append(f"{role} {path}: {'; '.join(problems[:4])}")
                        page.screenshot(path=str(shots / _shot_name(role, path, WIDTH)))
                    elif dashboard and role == MANAGER:  # the auditor's are the same pages
                        page.screenshot(
                            path=str(shots / _shot_name(role, path, WIDTH)), full_page=True
                        )
                        page.set_viewport_size({"width": WIDE, "height": 800})
                        page.screenshot(
                            path=str(shots / _shot_name(role, path, WIDE)), full_page=True
                        )
                        page.set_viewport_size({"width": WIDTH, "height": 800})
                if role == MANAGER:
                    _drill_downs(page, live_server.url, shots)
                    if problems:
                        failures.append(f"{role} drill-downs: {'; '.join(problems[:4])}")
                context.close()
        finally:
            browser.close()
            connections.close_all()
    elapsed = time.monotonic() - started
    print(f"walk: {opened} pages in {elapsed:.1f} s; screenshots in {shots}")
    (shots / "failures.txt").write_text("\n".join(failures) + "\n", encoding="utf-8")
    assert opened >= 4 * 5, opened
    assert not failures, "\n".join(failures)
