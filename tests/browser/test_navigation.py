"""The side menu, pinyin search, searchable selects and the payroll check in a real browser, as
the roles that use them, at 1024 px; screenshots kept in the test's temporary directory."""

from decimal import Decimal

import pytest

from accounts.models import PersonalAccount
from jobs.models import Job
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def _errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)


def _current(page) -> str:
    marked = page.locator('.side-menu a[aria-current="page"]')
    assert marked.count() == 1
    return marked.inner_text()


@pytest.fixture
def people(transactional_db):
    from policies.services import policies_load_seeds
    from tests.accounts.conftest import register

    policies_load_seeds()
    from policies.models import Region

    regions = {r.code: r for r in Region.objects.all()}
    zhang = register(regions, "420100", category="employee", base=Decimal("8000.00"), name="张三")
    register(regions, "420100", category="employee", base=Decimal("9000.00"), name="李四")
    return zhang


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("role", "clicks"),
    [
        ("clerk", [("查询参保人", "/enrollment/persons/"), ("上传缴费工资", "/accounts/payroll/")]),
        ("manager", [("基金概览", "/dashboards/"), ("个人账户", "/dashboards/accounts/")]),
        ("policy_admin", [("统筹地区政策", "/policies/"), ("政策文件结构", "/policies/schema/")]),
    ],
)
def test_the_menu_marks_the_current_page(people, page, live_server, tmp_path, role, clicks):
    UserFactory(username=role, roles=[role])
    errors = _errors(page)
    page.set_viewport_size({"width": 1024, "height": 800})
    _sign_in(page, live_server, role)
    for label, path in clicks:
        page.locator(".side-menu").get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(f"{live_server.url}{path}")
        assert _current(page) == label
        crumbs = page.locator("nav.breadcrumbs li")
        assert crumbs.first.inner_text() == "首页"
        _no_sideways_scroll(page)
        style = page.eval_on_selector(
            '.side-menu a[aria-current="page"]', "a => getComputedStyle(a).borderLeftColor"
        )
        assert style != "rgba(0, 0, 0, 0)"  # visibly marked, not only for screen readers
    page.screenshot(path=str(tmp_path / f"menu-{role}.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".side-menu").is_visible()
    page.emulate_media(media="screen")
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_pinyin_search_and_searchable_employer_select(people, page, live_server, tmp_path):
    UserFactory(username="clerk", roles=["clerk"])
    errors = _errors(page)
    page.set_viewport_size({"width": 1024, "height": 800})
    _sign_in(page, live_server, "clerk")
    page.locator(".side-menu").get_by_role("link", name="查询参保人").click()
    page.fill("#id_q", "zs")
    page.keyboard.press("Enter")
    page.wait_for_url("**/enrollment/persons/?*")
    assert page.locator("table.data tbody tr").count() == 1
    assert "张三" in page.inner_text("table.data")
    assert "找到 1 条" in page.inner_text(".result-count")
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "pinyin-search.png"), full_page=True)
    # The employer select of the registration form: typing initials narrows it to one.
    page.goto(f"{live_server.url}/enrollment/persons/new/")
    search = page.locator("#id_employer_search")
    search.fill("dw")  # 单位420100
    page.wait_for_selector('.select-search-count:has-text("找到")', timeout=5000)
    assert "单位420100" in page.locator("#id_employer option:checked").inner_text()
    assert "找到 1 个" in page.inner_text(".select-search-count")
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "searchable-select.png"), full_page=True)
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_payroll_check_then_confirm(people, page, live_server, tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    zhang = people
    UserFactory(username="clerk", roles=["clerk"])
    errors = _errors(page)
    page.set_viewport_size({"width": 1024, "height": 800})
    _sign_in(page, live_server, "clerk")
    page.locator(".side-menu").get_by_role("link", name="上传缴费工资").click()
    content = (
        "身份证号码,姓名,单位编码,所属期,缴费基数\n"
        f"{zhang.id_number},张三,E420100,2026-10,12345.75\n"
    ).encode()
    page.set_input_files(
        "#id_file", files=[{"name": "payroll.csv", "mimeType": "text/csv", "buffer": content}]
    )
    page.click("button.primary")
    page.wait_for_selector("#payroll-check")
    assert page.get_attribute("#payroll-check", "data-ok") == "true"
    assert page.inner_text("#payroll-total-amount") == "246.92"  # 12,345.75 × 2%, half up
    assert "12,345.75" in page.inner_text("#payroll-totals")
    assert not Job.objects.exists()
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "payroll-check.png"), full_page=True)
    page.click("#confirm-credit")
    page.wait_for_url("**/jobs/*/")
    job = Job.objects.get()
    assert job.status == "succeeded", job.errors
    assert PersonalAccount.objects.get(person=zhang).balance == Decimal("246.92")
    page.screenshot(path=str(tmp_path / "payroll-job.png"), full_page=True)
    # A file with an error: listed, no confirm button, the report offered.
    page.goto(f"{live_server.url}/accounts/payroll/")
    bad = content.replace("张三".encode(), "王五".encode())
    page.set_input_files(
        "#id_file", files=[{"name": "bad.csv", "mimeType": "text/csv", "buffer": bad}]
    )
    page.click("button.primary")
    page.wait_for_selector("#payroll-errors")
    assert page.locator("#confirm-credit").count() == 0
    assert page.locator("#error-report").count() == 1
    page.screenshot(path=str(tmp_path / "payroll-errors.png"), full_page=True)
    assert errors == []
