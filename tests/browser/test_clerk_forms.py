"""Clerk pages that lost or misstated data (issue 16), in a real browser, in Chinese.

- Date inputs carry ISO dates: a form saved untouched changes nothing, and a form refused for
  another field keeps the dates it was given.
- 手工报销 settles exactly what was previewed; a used claim number is said at the preview."""

from datetime import date
from decimal import Decimal as D

import pytest

from claims.models import Settlement
from enrollment.models import InpatientStay, Person
from policies.models import Region
from tests.browser.test_dashboards import reseed_what_migrations_seed
from tests.claims.test_settlement import _world
from tests.factories import PASSWORD, EmployerFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DATES_SHOWN = "els => Object.fromEntries(els.map(e => [e.name, e.value]))"
DATES_SENT = "els => Object.fromEntries(els.map(e => [e.name, e.getAttribute('value') || '']))"


def login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")


def dates(page) -> dict[str, str]:
    """The date inputs as the browser shows them; each must show what the server sent (a
    value the browser rejects is shown, and posted, empty)."""
    shown = page.eval_on_selector_all("input[type=date]", DATES_SHOWN)
    assert shown == page.eval_on_selector_all("input[type=date]", DATES_SENT)
    return shown


@pytest.mark.django_db(transaction=True)
def test_date_forms_in_chinese_keep_their_dates(page, live_server, tmp_path):
    reseed_what_migrations_seed()
    from policies.services import policies_load_seeds

    policies_load_seeds()
    wuhan = Region.objects.get(code="420100")
    retiree = PersonFactory(
        name="王建国",
        region=wuhan,
        employer=EmployerFactory(code="WH7", region=wuhan),
        category="retiree",
        retirement_date=date(2021, 12, 31),
        benefits_from=date(2023, 1, 1),
    )
    versions = retiree.history.count()
    before = Person.objects.filter(pk=retiree.pk).values().get()
    UserFactory(username="clerk", roles=["clerk", "auditor"])  # the audit search has dates
    login(page, live_server, "clerk")
    assert page.locator("html").get_attribute("lang") == "zh-hans"

    # 1. The person's edit form, saved untouched: nothing changes, no history entry.
    page.goto(f"{live_server.url}/enrollment/persons/{retiree.pk}/edit/")
    assert dates(page) == {"retirement_date": "2021-12-31", "benefits_from": "2023-01-01"}
    page.screenshot(path=str(tmp_path / "person-edit.png"), full_page=True)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/enrollment/persons/{retiree.pk}/")
    assert "须填写" not in page.content()
    assert Person.objects.filter(pk=retiree.pk).values().get() == before
    assert retiree.history.count() == versions
    assert "→ —" not in page.content()
    page.screenshot(path=str(tmp_path / "person-saved.png"), full_page=True)

    # 2. Forms refused for another field keep the dates they were given.
    page.goto(f"{live_server.url}/enrollment/persons/{retiree.pk}/stays/new/")
    page.fill("#id_admitted_on", "2026-01-05")
    page.fill("#id_discharged_on", "2026-01-01")  # before the admission: refused
    page.click("button.primary")
    page.wait_for_selector('[data-field="discharged_on"]')
    assert dates(page) == {"admitted_on": "2026-01-05", "discharged_on": "2026-01-01"}
    page.screenshot(path=str(tmp_path / "stay-refused.png"), full_page=True)
    page.fill("#id_discharged_on", "2026-01-12")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/enrollment/persons/{retiree.pk}/")
    stay = InpatientStay.objects.get(person=retiree)
    assert (stay.admitted_on, stay.discharged_on) == (date(2026, 1, 5), date(2026, 1, 12))

    page.goto(f"{live_server.url}/claims/certifications/")
    page.fill("#id_id_number", "110101199001011237")  # nobody registered
    page.select_option("#id_disease", "I10")
    page.fill("#id_valid_from", "2026-02-01")
    page.fill("#id_valid_to", "2027-01-31")
    page.click("form.inline-form button.primary")
    page.wait_for_selector('[data-field="id_number"], .form-error')
    assert dates(page) == {"valid_from": "2026-02-01", "valid_to": "2027-01-31"}
    page.screenshot(path=str(tmp_path / "certification-refused.png"), full_page=True)

    page.goto(f"{live_server.url}/family-sharing/grant/{retiree.pk}/")
    page.fill("#id_member_id_number", "110101199001011237")  # nobody registered
    page.fill("#id_proof_number", "540102-0428")
    page.fill("#id_valid_from", "2026-03-01")
    page.fill("#id_valid_to", "2026-12-31")
    page.click("button.primary")
    page.wait_for_selector(".form-error")
    assert dates(page) == {"valid_from": "2026-03-01", "valid_to": "2026-12-31"}
    page.screenshot(path=str(tmp_path / "sharing-refused.png"), full_page=True)

    # 3. A filter keeps its period (GET forms).
    page.goto(f"{live_server.url}/audit/?start=2026-01-01&end=2026-01-31")
    assert dates(page) == {"start": "2026-01-01", "end": "2026-01-31"}
    page.click("form.filters button.primary")  # searched again, untouched: the same period
    page.wait_for_load_state()
    assert dates(page) == {"start": "2026-01-01", "end": "2026-01-31"}


@pytest.mark.django_db(transaction=True)
def test_manual_claim_settles_what_was_previewed(page, live_server, tmp_path):
    person, account, hospital = _world()
    UserFactory(username="clerk", roles=["clerk"])
    login(page, live_server, "clerk")
    page.goto(f"{live_server.url}/claims/manual/")
    page.fill("#id_claim_number", "INV-001")
    page.fill("#id_id_number", person.id_number)
    page.select_option("#id_institution", hospital.code)
    page.fill("#id_visit_date", "2026-03-01")
    page.select_option("#id_benefit", "general_outpatient")
    page.fill("#id_total_amount", "1200.00")
    page.click("button[name=preview]")
    page.wait_for_selector("#preview")
    # 武汉: 700.00 deductible, 80 % of 500.00 pooled = 400.00, 800.00 from the account.
    assert "400.00" in page.locator("#preview").inner_text()
    assert dates(page) == {"visit_date": "2026-03-01"}
    page.screenshot(path=str(tmp_path / "previewed.png"), full_page=True)

    # The amount is changed after the preview: the confirmation is refused.
    page.fill("#id_total_amount", "5000.00")
    page.click("button[name=confirm]")
    page.wait_for_selector('[data-field="__all__"]')
    assert "请重新预结算" in page.locator('[data-field="__all__"]').inner_text()
    assert page.locator("#preview").count() == 0
    assert page.locator("button[name=confirm]").count() == 0
    assert page.locator("#id_total_amount").input_value() == "5000.00"  # kept, to preview
    page.screenshot(path=str(tmp_path / "changed-refused.png"), full_page=True)
    assert not Settlement.objects.exists()

    # Previewed again, the new figures are settled.
    page.click("button[name=preview]")
    page.wait_for_selector("#preview")
    shown = page.locator("#preview").inner_text()
    page.click("button[name=confirm]")
    page.wait_for_url(f"{live_server.url}/claims/settlements/*/")
    settlement = Settlement.objects.get()
    assert settlement.total_amount == D("5000.00")
    # The preview shows money as 12,345.67.
    assert f"{settlement.pool_paid:,.2f}" in shown and f"{settlement.account_paid:,.2f}" in shown
    page.screenshot(path=str(tmp_path / "settled.png"), full_page=True)

    # The same invoice number again: said at the preview, with a link to the settlement.
    page.goto(f"{live_server.url}/claims/manual/")
    page.fill("#id_claim_number", "INV-001")
    page.fill("#id_id_number", person.id_number)
    page.select_option("#id_institution", hospital.code)
    page.fill("#id_visit_date", "2026-03-02")
    page.fill("#id_total_amount", "100.00")
    page.click("button[name=preview]")
    error = page.locator('[data-field="claim_number"]')
    error.wait_for()
    assert "INV-001" in error.inner_text() and "不能再次结算" in error.inner_text()
    assert page.locator("#preview").count() == 0
    page.screenshot(path=str(tmp_path / "duplicate.png"), full_page=True)
    page.click("#duplicate-slip")
    page.wait_for_url(f"{live_server.url}/claims/settlements/{settlement.pk}/")
    assert Settlement.objects.count() == 1
