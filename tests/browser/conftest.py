import pytest
from django.db import connection, connections

from tests.helpers.browser import chinese_browser_env


@pytest.fixture
def page(browser_path, live_server, tmp_path, monkeypatch):
    """A Playwright page in Debian's headless chromium (never a downloaded browser)."""
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server's request threads must not keep persistent connections past the test
    # (they would block dropping the test database).
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=browser_path,
            headless=True,
            env=chinese_browser_env(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                "--lang=zh-CN",  # the UI language elsewhere; on Linux the env decides
            ],
        )
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        # Every page a browser test opens must pass the content security policy (no inline
        # script or style): chromium reports each refusal on the console.
        refused = []
        page.on(
            "console",
            lambda message: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        yield page
        page.screenshot(path=str(tmp_path / "last.png"), full_page=True)
        context.close()
        browser.close()
        # Playwright's greenlets give the test body its own context, hence its own database
        # connection (Django's connections are context-local); close it before leaving.
        connections.close_all()
    assert refused == [], refused
