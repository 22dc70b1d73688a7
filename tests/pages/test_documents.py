"""The printed documents as pages: the premium receipt's periods (bad input is a 400 in
Chinese), the certification decision by status, the sharing statement's total in words; GET
only, read by the bureau's roles."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import translation

from accounts.services import ledger_post
from claims.models import Disease
from claims.services import certification_apply, certification_approve, certification_reject
from tests.factories import PersonFactory, UserFactory
from tests.family_sharing.conftest import Family

pytestmark = pytest.mark.django_db


@pytest.fixture
def family(db):
    return Family()


def test_premium_receipt_lists_the_periods_asked_for(family, client):
    person = family.employee(code="420100")
    for period, amount in (("2025-12", "150.00"), ("2026-01", "160.00"), ("2026-02", "1160.00")):
        ledger_post(
            account_id=person.account.pk,
            kind="payroll_credit",
            amount=D(amount),
            period=period,
            contribution_base=D(amount) * 50,
        )
    client.force_login(UserFactory(roles=["manager"]))
    url = f"/accounts/persons/{person.pk}/receipt/"
    page = client.get(url, {"period_from": "2026-01", "period_to": "2026-02"})
    html = page.content.decode()
    assert page.status_code == 200 and [c.period for c in page.context["credits"]] == [
        "2026-01",
        "2026-02",
    ]
    assert "1,320.00" in html and "壹仟叁佰贰拾元整" in html and "缴费凭证" in html
    assert f"JF-420100-{person.pk:08d}-202601-202602" in html
    for bad in ({"period_from": "2026-13"}, {"period_from": "２０２６-01"},
                {"period_from": "2026-03", "period_to": "2026-01"}):  # fmt: skip
        refused = client.get(url, bad)
        assert refused.status_code == 400 and "form-error" in refused.content.decode()
    assert client.post(url).status_code == 405


def test_certification_documents_follow_the_status(family, client):
    Disease.objects.get_or_create(code="E11", defaults={"name": "糖尿病", "kind": "chronic"})
    person = family.employee(code="530400")
    clerk = UserFactory(roles=["clerk"])
    c = certification_apply(person=person, disease_code="E11", valid_from=date(2026, 1, 1))
    client.force_login(clerk)
    url = f"/claims/certifications/{c.pk}/decision/"
    assert "申请受理回执" in client.get(url).content.decode()
    assert url in client.get(f"/enrollment/persons/{person.pk}/").content.decode()
    certification_reject(certification=c, reason="材料不全", actor=clerk)
    html = client.get(url).content.decode()
    assert "不予认定通知书" in html and "材料不全" in html and "行政复议" in html
    assert "现行政策待遇标准" not in html  # no benefits on a refusal
    client.force_login(UserFactory(roles=["auditor"]))
    assert client.get(url).status_code == 200


def test_a_decision_states_the_cap_in_words_or_that_it_is_unset(family, client):
    Disease.objects.get_or_create(code="I10", defaults={"name": "高血压", "kind": "chronic"})
    client.force_login(UserFactory(roles=["clerk"]))
    for code, shown in (("220000", "陆仟伍佰元整"), ("420100", "未设定")):
        person = PersonFactory(region=family.regions[code], benefits_from=date(2023, 1, 1))
        c = certification_apply(person=person, disease_code="I10", valid_from=date(2026, 1, 1))
        certification_approve(certification=c)
        html = client.get(f"/claims/certifications/{c.pk}/decision/").content.decode()
        assert "门诊慢特病认定决定书" in html and shown in html, code


def test_sharing_statement_totals_in_words(family, client):
    from family_sharing.services import premium_pay

    holder = family.employee(balance="5000.00")
    a = family.grant(holder, family.resident(), relation="child")
    premium_pay(
        authorisation=a, kind="resident_insurance", year=date.today().year, amount=D("1234.50")
    )
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get(f"/family-sharing/statement/{holder.pk}/").content.decode()
    assert "家庭共济授权及使用明细" in html and "壹仟贰佰叁拾肆元伍角" in html
    assert "1,234.50" in html and "HR-1" in html


@pytest.mark.parametrize(
    ("language", "receipt_total", "addressee"),
    [
        ("zh-hans", "合计（共 1 个月）", "（身份证号码 "),
        ("en", "Total (1 month)", " (ID number "),
    ],
)
def test_documents_take_the_readers_brackets(family, client, language, receipt_total, addressee):
    # The English receipt read "Total（3 months）" and the decision "李德明（ID number …）：".
    Disease.objects.get_or_create(code="E11", defaults={"name": "糖尿病", "kind": "chronic"})
    person = family.employee(code="530400")
    ledger_post(account_id=person.account.pk, kind="payroll_credit", amount=D("150.00"),
                period="2026-01", contribution_base=D("7500.00"))  # fmt: skip
    c = certification_apply(person=person, disease_code="E11", valid_from=date(2026, 1, 1))
    client.force_login(UserFactory(roles=["clerk"]))
    # The reader's language for these requests only (the middleware activates it in
    # this thread; later tests read messages in the default language).
    with translation.override(language):
        client.cookies["django_language"] = language
        receipt = client.get(f"/accounts/persons/{person.pk}/receipt/").content.decode()
        assert receipt_total in receipt
        decision = client.get(f"/claims/certifications/{c.pk}/decision/").content.decode()
        assert f"{person.name}{addressee}" in decision
        if language == "en":
            assert "（" not in receipt.split("data-total")[0].rsplit("<tfoot>", 1)[1]
