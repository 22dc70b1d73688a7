"""A clerk records an out-of-region filing and the inpatient system's reported pooled total from
the person page, and sees both there: the filing in the list, the totals against each maximum
(issue 18 items 7 and 16)."""

import os

import pytest
from django.utils import timezone

from claims.models import InpatientTotal
from enrollment.models import OutOfRegionFiling
from policies.services import policies_load_seeds
from tests.browser.test_clerk_forms import login
from tests.claims.test_document_rules import person_in
from tests.factories import RegionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_filing_and_inpatient_total_from_the_person_page(page, live_server, tmp_path):
    policies_load_seeds()
    RegionFactory(code="440100", name="广州市")
    person = person_in("420100")
    UserFactory(username="clerk9", roles=["clerk"])
    login(page, live_server, "clerk9")
    shot = os.environ.get("H17_SCREENSHOT_DIR", str(tmp_path))
    page.goto(f"{live_server.url}/enrollment/persons/{person.pk}/")
    page.click("text=登记异地就医备案")
    page.select_option("#id_kind", "long_term")
    page.select_option("#id_region", "440100")
    page.fill("#id_valid_from", "2026-01-01")
    page.click("button.primary")
    page.wait_for_url(f"**/enrollment/persons/{person.pk}/*")
    assert OutOfRegionFiling.objects.get().region.code == "440100"
    assert "广州市" in page.locator("#filings").inner_text()
    page.click("#inpatient-total-link")
    page.fill("#id_pooled", "12345.60")
    page.fill("#id_source", "住院结算系统")
    page.click("button.primary")
    page.wait_for_url(f"**/enrollment/persons/{person.pk}/")
    assert str(InpatientTotal.objects.get(year=timezone.localdate().year).pooled) == "12345.60"
    body = page.locator("main").inner_text()
    assert "12,345.60" in body and "第十九条" in body
    page.screenshot(path=f"{shot}/person-filings-totals.png", full_page=True)
