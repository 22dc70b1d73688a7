"""Registering a person in a real browser, as the clerk: the ID number's hint (birth date,
sex, issuing place) before saving, a wrong check digit called invalid without a suggested
digit; the first field has the focus and Enter submits; a date typed as 20260101; an
employer of another region refused naming both regions, then confirmed."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from enrollment.id_numbers import make
from enrollment.models import Person
from policies.models import Region
from tests.browser.test_settlements import _sign_in
from tests.factories import EmployerFactory, RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_clerk_registers_a_person_with_hints_and_a_confirmation(page, live_server, tmp_path):
    wuhan = RegionFactory(code="420100", name="武汉市")
    baotou = RegionFactory(code="150200", name="包头市")
    employer = EmployerFactory(code="BT1", name="包钢集团", region=baotou)
    UserFactory(username="clerk", roles=["clerk"])
    _sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/enrollment/persons/new/")
    # The first field has the focus: the clerk types straight away.
    assert page.evaluate("document.activeElement.id") == "id_id_number"
    number = make("530402", date(1988, 7, 9), 12)  # 17th digit 2: female
    page.keyboard.type(number[:-1] + ("0" if number[-1] != "0" else "1"))
    hint = page.locator("[data-id-hint]")
    assert hint.get_attribute("data-state") == "invalid"
    assert "无效" in hint.inner_text() and number[-1] not in hint.inner_text().replace("11643", "")
    page.screenshot(path=str(tmp_path / "id-invalid.png"), full_page=True)
    page.fill("#id_id_number", number)
    expect(hint).to_contain_text("发证地")
    text = hint.inner_text()
    assert "1988-07-09" in text and "女" in text and "云南省 玉溪市 红塔区" in text
    page.screenshot(path=str(tmp_path / "id-hint.png"), full_page=True)
    page.fill("#id_name", "赵丽")
    page.select_option("#id_region", "420100")
    page.select_option("#id_employer", str(employer.pk))
    page.fill("#id_contribution_base", "6000")
    # A date input takes 20260101 typed (whatever order the browser's locale gives its
    # segments: yyyy/mm/dd in Chinese, mm/dd/yyyy in English) and 2026/01/01 pasted.
    page.click("#id_benefits_from")
    page.keyboard.type("20260101")
    assert page.input_value("#id_benefits_from") == "2026-01-01"
    page.fill("#id_benefits_from", "")
    page.evaluate(
        """() => { const e = document.querySelector('#id_benefits_from'); e.focus();
        const d = new DataTransfer(); d.setData('text', '2026/01/01');
        e.dispatchEvent(new ClipboardEvent('paste', {clipboardData: d, bubbles: true})); }"""
    )
    assert page.input_value("#id_benefits_from") == "2026-01-01"
    page.focus("#id_employer")
    page.keyboard.press("Enter")  # Enter in a select submits
    error = page.locator('[data-field="employer"]')
    error.wait_for()
    assert "武汉市（420100）" in error.inner_text() and "包头市（150200）" in error.inner_text()
    assert not Person.objects.exists()
    assert page.evaluate("document.activeElement.name") == "employer"  # the field in error
    page.screenshot(path=str(tmp_path / "other-region-refused.png"), full_page=True)
    page.check("#id_confirm_other_region")
    page.keyboard.press("Enter")  # on the checkbox
    page.wait_for_url(re.compile(r"/enrollment/persons/[0-9]+/$"))
    person = Person.objects.get()
    assert (person.region, person.employer.region) == (wuhan, baotou)
    assert person.benefits_from == date(2026, 1, 1) and person.gender == "female"
    assert Region.objects.count() == 2
    page.screenshot(path=str(tmp_path / "registered.png"), full_page=True)
