"""The ID number's hint (birth date, sex, issuing place; a wrong check digit called invalid,
never a suggested digit) on the forms other than the person's where a clerk types an ID number:
the certification application, family sharing's grant, the manual claim (two numbers), and the
person and settlement searches (there only once an 18-character number is typed, nothing for a
name). In chromium, as the clerk, at 1024 px; screenshots kept in the test's directory."""

from datetime import date

import pytest
from playwright.sync_api import expect

from enrollment.id_numbers import make
from tests.browser.test_settlements import _sign_in
from tests.factories import PersonFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NUMBER = make("530402", date(1988, 7, 9), 12)  # 17th digit 2: female, 玉溪市红塔区
WRONG = NUMBER[:-1] + ("0" if NUMBER[-1] != "0" else "1")


def _hint(page, field: str):
    return page.locator(f"#{field}_hint[data-id-hint]")


def _typed_wrong_then_right(page, field: str, tmp_path, name: str) -> None:
    page.click(f"#id_{field}")
    page.keyboard.type(WRONG)
    hint = _hint(page, field)
    expect(hint).to_have_attribute("data-state", "invalid")
    text = hint.inner_text()
    assert "无效" in text and NUMBER[-1] not in text.replace("11643", "")  # no digit suggested
    page.screenshot(path=str(tmp_path / f"{name}-invalid.png"), full_page=True)
    page.fill(f"#id_{field}", NUMBER)
    expect(hint).to_contain_text("发证地")
    text = hint.inner_text()
    assert "1988-07-09" in text and "女" in text and "云南省 玉溪市 红塔区" in text
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1024
    page.screenshot(path=str(tmp_path / f"{name}-hint.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_id_hints_on_the_clerks_other_forms(page, live_server, tmp_path):
    RegionFactory(code="420100", name="武汉市")
    holder = PersonFactory(name="张伟")
    UserFactory(username="clerk", roles=["clerk"])
    page.set_viewport_size({"width": 1024, "height": 800})
    _sign_in(page, live_server, "clerk")

    page.goto(f"{live_server.url}/claims/certifications/")
    _typed_wrong_then_right(page, "id_number", tmp_path, "certification")

    page.goto(f"{live_server.url}/family-sharing/grant/{holder.pk}/")
    _typed_wrong_then_right(page, "member_id_number", tmp_path, "sharing-grant")

    page.goto(f"{live_server.url}/claims/manual/")
    _typed_wrong_then_right(page, "account_holder_id_number", tmp_path, "manual-claim-holder")
    expect(_hint(page, "id_number")).to_have_attribute("data-state", "empty")  # its own box

    # Searches take a name or a prefix as well: no hint for those, the hint for a whole number.
    page.goto(f"{live_server.url}/enrollment/persons/")
    page.fill("#id_q", "王")
    expect(_hint(page, "q")).to_have_attribute("data-state", "empty")
    page.fill("#id_q", "4201")
    expect(_hint(page, "q")).to_have_attribute("data-state", "empty")
    page.fill("#id_q", WRONG)
    expect(_hint(page, "q")).to_have_attribute("data-state", "invalid")
    page.fill("#id_q", NUMBER)
    expect(_hint(page, "q")).to_contain_text("云南省 玉溪市 红塔区")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1024
    page.screenshot(path=str(tmp_path / "person-search-hint.png"), full_page=True)

    page.goto(f"{live_server.url}/claims/settlements/")
    page.fill("#id_person", "张伟")
    expect(_hint(page, "person")).to_have_attribute("data-state", "empty")
    page.fill("#id_person", NUMBER)
    expect(_hint(page, "person")).to_contain_text("1988-07-09")
    page.screenshot(path=str(tmp_path / "settlement-search-hint.png"), full_page=True)
