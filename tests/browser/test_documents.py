"""The sharing statement, the premium receipt and the certification decision print as bureau
documents (bureau, title, number, time of printing, 经办人, the total in capital numerals,
signature and seal areas, no screen controls), each printed to PDF by Chromium: the test counts
the pages and reads the printed text. PDFs and screenshots stay in the test's directory."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.services import ledger_post
from claims.models import Disease
from claims.services import certification_apply, certification_approve
from family_sharing.services import premium_pay
from tests.browser.test_settlements import _pages, _sign_in
from tests.factories import UserFactory
from tests.family_sharing.conftest import Family

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EVERY_DOCUMENT = ("医疗保障局", "编号", "打印时间", "经办人", "复核人", "盖章")


def _print(page, tmp_path, name: str) -> str:
    """Print media: no toolbar, buttons or messages; returns the document's text."""
    page.emulate_media(media="print")
    assert not page.locator(".toolbar").first.is_visible()
    assert page.locator("button:visible").count() == 0
    assert page.locator(".messages").count() == 0 or not page.locator(".messages").is_visible()
    text = page.inner_text("[data-document]")
    for words in EVERY_DOCUMENT:
        assert words in text, words
    page.screenshot(path=str(tmp_path / f"{name}-print.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (tmp_path / f"{name}.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    return text


@pytest.fixture
def clerk():
    return UserFactory(username="clerk", roles=["clerk"], last_name="李", first_name="经办")


@pytest.mark.django_db(transaction=True)
def test_sharing_statement_prints_the_authorisation_and_the_shared_payments(
    page, live_server, tmp_path, clerk
):
    family = Family()
    holder = family.employee(balance="4000.00", name="扎西")
    member = family.resident(name="卓玛")
    authorisation = family.grant(holder, member, relation="child")
    year = timezone.localdate().year
    premium_pay(
        authorisation=authorisation, kind="resident_insurance", year=year, amount=D("350.00")
    )
    _sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/enrollment/persons/{holder.pk}/")
    page.click("text=共济明细")
    page.fill("#id_date_from", f"{year}-01-01")
    page.fill("#id_date_to", f"{year}-12-31")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_url("**date_from=*")
    page.screenshot(path=str(tmp_path / "sharing-screen.png"), full_page=True)
    text = _print(page, tmp_path, "sharing")
    assert f"{year}-01-01" in text and f"{year}-12-31" in text  # the range
    assert "卓玛" in text and "子女" in text and "HR-1" in text  # the authorisation
    assert "350.00" in page.inner_text("[data-total]")
    assert "叁佰伍拾元整" in page.inner_text("[data-capital]")
    assert "李经办" in text and "账户持有人签字" in text
    assert _pages(page.pdf(format="A4")) == 1


@pytest.mark.django_db(transaction=True)
def test_premium_receipt_prints_the_credited_contributions(page, live_server, tmp_path, clerk):
    family = Family()
    person = family.employee(code="420100", name="张三", contribution_base=D("8000.00"))
    for period in ("2026-01", "2026-02", "2026-03"):
        ledger_post(
            account_id=person.account.pk,
            kind="payroll_credit",
            amount=D("160.00"),
            period=period,
            contribution_base=D("8000.00"),
        )
    _sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/enrollment/persons/{person.pk}/")
    page.click("text=缴费凭证")
    page.fill("#id_period_from", "2026-02")
    page.fill("#id_period_to", "2026-03")
    page.click("form.toolbar button[type=submit]")
    page.wait_for_url("**period_from=2026-02*")
    page.screenshot(path=str(tmp_path / "receipt-screen.png"), full_page=True)
    text = _print(page, tmp_path, "receipt")
    assert "缴费凭证" in text and "2026-02" in text and "2026-03" in text
    assert "2026-01" not in page.inner_text("[data-table=contributions]")
    assert "8,000.00" in text and "320.00" in page.inner_text("[data-total]")
    assert "叁佰贰拾元整" in page.inner_text("[data-capital]")
    assert _pages(page.pdf(format="A4")) == 1


@pytest.mark.django_db(transaction=True)
def test_certification_decision_prints_the_benefits_and_the_decision(
    page, live_server, tmp_path, clerk
):
    family = Family()
    person = family.employee(code="530400", name="王五")
    # A transactional test starts from an empty table: the seeded catalogue row again.
    Disease.objects.get_or_create(code="I10", defaults={"name": "高血压", "kind": "chronic"})
    applied = certification_apply(
        person=person, disease_code="I10", valid_from=date(2026, 1, 1), actor=clerk
    )
    certification_approve(certification=applied, actor=clerk)
    _sign_in(page, live_server, "clerk")
    page.goto(f"{live_server.url}/enrollment/persons/{person.pk}/")
    page.click("[data-decision-link]")
    page.wait_for_url(f"**/claims/certifications/{applied.pk}/decision/")
    page.screenshot(path=str(tmp_path / "decision-screen.png"), full_page=True)
    text = _print(page, tmp_path, "decision")
    assert "门诊慢特病认定决定书" in text and f"RD-530400-{timezone.localdate().year}" in text
    assert "I10" in text and "高血压" in text and "2026-01-01" in text
    assert "80%" in text and "3,000.00" in text  # Yuxi: 80 %, cap 3000 for the first disease
    assert "叁仟元整" in page.inner_text("[data-capital]")
    assert "李经办" in text and "申请人签字" in text
    assert _pages(page.pdf(format="A4")) == 1
