"""A manager reads a replay's comparison in a real browser at 1366 and 1024 px (no sideways
scroll, charts drawn, no console error or CSP refusal) and prints the evaluation report to
PDF; screenshots and the PDF are kept in the test's temporary directory."""

import re

import pytest

from tests.factories import PASSWORD, UserFactory
from tests.replay.pages_data import DraftFactory, ReplayJobFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _pages(pdf: bytes) -> int:
    """Pages of a PDF Chromium wrote (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


@pytest.mark.django_db(transaction=True)
def test_manager_reads_and_prints_a_replay(page, live_server, tmp_path):
    draft = DraftFactory()
    job = ReplayJobFactory(
        parameters={"draft": draft.pk, "start": "2025-01-01", "end": "2025-03-31"}
    )
    UserFactory(username="manager", roles=["manager"], last_name="李", first_name="经理")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    # From the home page to the replays, and to the comparison.
    page.click("a[href='/replay/']")
    page.wait_for_url("**/replay/")
    page.click(f"a[href='/replay/{job.pk}/']")
    for width in (1366, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(f"{live_server.url}/replay/{job.pk}/")
        page.wait_for_selector("[data-chart][data-rendered='true'] canvas")
        assert page.locator("[data-chart][data-rendered='true']").count() == 2
        sideways = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert sideways <= 0, (width, sideways)
        # The tables fit inside the page too (no table wider than the content).
        too_wide = page.evaluate(
            """Array.from(document.querySelectorAll('.table-scroll')).filter(
                 e => e.scrollWidth > e.clientWidth + 1).map(e => e.querySelector('table')
                 .getAttribute('data-table'))"""
        )
        assert too_wide == [], (width, too_wide)
        text = page.inner_text("main")
        assert "统筹基金支付" in text and "39,200.50" in text and "80岁及以上" in text
        # A tooltip on the monthly chart is drawn on the canvas (no inline style for the CSP).
        chart = page.locator("[data-chart='chart-replay-monthly']")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(300)
        page.screenshot(path=str(tmp_path / f"replay-{width}.png"), full_page=True)
        page.locator("#headline").screenshot(path=str(tmp_path / f"headline-{width}.png"))
        assert (tmp_path / f"replay-{width}.png").stat().st_size > 10_000
    # The evaluation report, printed.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.click("text=评估报告（打印）")
    page.wait_for_url(f"**/replay/{job.pk}/report/")
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").is_visible()
    text = page.inner_text("[data-document]")
    for words in ("包头市医疗保障局", "政策调整模拟评估报告", "打印时间", "经办人", "李经理", "盖章",
                  "草案与现行政策的差异（逐条）", "第八条", "按年龄段"):  # fmt: skip
        assert words in text, words
    page.screenshot(path=str(tmp_path / "report-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / "report.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF") and 1 <= _pages(pdf) <= 6, _pages(pdf)
    assert errors == [], errors
