"""The one beat schedule: the 1st of each month credits retirees, 1 January closes the year;
each beat only creates a job, and a second beat by mistake credits nobody twice."""

from decimal import Decimal

import pytest
from django.conf import settings

from accounts.models import LedgerEntry
from accounts.tasks import close_last_year, credit_current_month
from jobs.models import Job

pytestmark = pytest.mark.django_db


def test_schedule_entries():
    schedule = settings.CELERY_BEAT_SCHEDULE
    monthly = schedule["monthly-retiree-crediting"]
    assert monthly["task"] == "accounts.credit_current_month"
    assert monthly["schedule"].day_of_month == {1}
    yearly = schedule["year-end-close"]
    assert yearly["task"] == "accounts.close_last_year"
    assert (yearly["schedule"].day_of_month, yearly["schedule"].month_of_year) == ({1}, {1})


def test_two_beats_credit_once(person_factory, django_capture_on_commit_callbacks):
    person = person_factory("420100")
    with django_capture_on_commit_callbacks(execute=True):
        first = credit_current_month()
        second = credit_current_month()  # a second beat started by mistake
    assert Job.objects.get(pk=first).status == "partial"
    assert Job.objects.get(pk=second).result["credited"] == 0
    assert list(
        LedgerEntry.objects.filter(account__person=person).values_list("amount", flat=True)
    ) == [Decimal("83.00")]


def test_year_end_beat(person_factory, django_capture_on_commit_callbacks):
    person_factory("420100")
    with django_capture_on_commit_callbacks(execute=True):
        job_id = close_last_year()
    assert Job.objects.get(pk=job_id).status == "succeeded"
