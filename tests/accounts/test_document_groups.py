"""Issue 18 items 8 and 14 in crediting: groups a document leaves to a later rule are not
credited a standard amount; the retiree month follows the region's own rule (one place)."""

from datetime import date
from decimal import Decimal

import pytest

from accounts.crediting import retiree_crediting_run
from accounts.models import LedgerEntry
from enrollment.models import Person

pytestmark = pytest.mark.django_db


def credit_of(person, period="2026-11"):
    entry = LedgerEntry.objects.filter(
        account__person=person, kind="retiree_credit", period=period
    ).first()
    return entry.amount if entry else None


def test_wuhan_1953_veterans_are_not_credited_83(person_factory):
    # Wuhan 第五条: 83 a month for retirees, but 1953年底之前参军复员转业到企业工作的退休人员
    # … 另行制定: no standard value for them; the run reports them.
    usual = person_factory("420100")
    veteran = person_factory("420100")
    Person.objects.filter(pk=veteran.pk).update(rule_group="veteran_before_1954")
    report = retiree_crediting_run(period="2026-11")
    assert credit_of(usual) == Decimal("83.00")
    assert credit_of(veteran) is None
    assert any(
        e.get("field") == "later_rule_groups.veteran_before_1954" and "第五条" in e["message"]
        for e in report.errors
    )


def test_silent_documents_leave_the_retirement_month_open(person_factory):
    # Tibet's document does not say from which month (unset): someone retired in November is
    # not credited for November (no guess), and the run names the parameter; from December
    # the person is a retiree under any rule: 3600 / 12 = 300.00 (第十二条).
    person = person_factory("540000", retired=date(2026, 11, 10))
    report = retiree_crediting_run(period="2026-11")
    assert credit_of(person) is None
    assert any(e.get("field") == "account.retiree_credit_from" for e in report.errors)
