"""A fill makes past crediting possible (DESIGN.md "Versions: amendments, fills and drafts"):
Baotou's 第四条 credits retirees 3 % of the 2021 regional average pension, a figure the
document does not give. Runs for 2022-11 skip Baotou; once the bureau fills the figure for
2022-10..2022-12 and 2023, running 2022-11 again credits them, exactly once however often it
runs, also when the task is redelivered; the job page lists the periods now waiting."""

import copy
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from accounts.crediting import crediting_backlog
from accounts.models import LedgerEntry, PersonalAccount
from jobs.models import Job
from jobs.services import job_create, job_execute
from policies.models import PolicyVersion
from policies.services import policy_version_publish
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOTICE = "内人社发〔2022〕演示号《关于公布2021年全区平均基本养老金的通知》（演示数据）"


def fill(region, start: date, pension="3000.00"):
    version = PolicyVersion.objects.get(region=region, kind="version", effective_from=start)
    document = copy.deepcopy(version.document)
    document["account"]["retiree"]["average_pension"] = pension
    document["sources"]["account.retiree.average_pension"] = {
        "article": "演示公告",
        "note": "全自治区2021年平均基本养老金（演示数值）",
    }
    return policy_version_publish(
        region=region, effective_from=start, source=NOTICE, document=document
    )


def run(period: str, capture) -> Job:
    with capture(execute=True):
        job = job_create(
            kind="monthly_crediting",
            parameters={"period": period},
            created_by=UserFactory(roles=["manager"]),
        )
    job.refresh_from_db()
    return job


def credits(person, period="2022-11"):
    return list(
        LedgerEntry.objects.filter(
            account__person=person, kind="retiree_credit", period=period
        ).values_list("amount", flat=True)
    )


def test_fill_then_back_crediting_exactly_once(
    person_factory, regions, django_capture_on_commit_callbacks
):
    baotou = [person_factory("150200") for _ in range(3)]
    first = run("2022-11", django_capture_on_commit_callbacks)
    assert first.status == Job.Status.PARTIAL
    assert any(e.get("region") == "150200" for e in first.errors)
    assert all(credits(p) == [] for p in baotou)
    assert crediting_backlog() == []  # nothing can be done yet

    fill(regions["150200"], date(2022, 10, 1))
    fill(regions["150200"], date(2023, 1, 1))
    [waiting] = [b for b in crediting_backlog() if b["region"] == "150200"]
    assert (waiting["period"], waiting["pending"]) == ("2022-11", 3)

    second = run("2022-11", django_capture_on_commit_callbacks)
    # 包府办发〔2022〕99号 第四条 (2022): 3 % × 3000.00 (demonstration figure) = 90.00 a month.
    assert second.result["regions"]["150200"]["credited"] == 3
    for person in baotou:
        assert credits(person) == [Decimal("90.00")]
    assert not any(e.get("region") == "150200" for e in second.errors)
    assert [b for b in crediting_backlog() if b["region"] == "150200"] == []

    # However often it runs again, and when the task is redelivered (a worker died after its
    # chunks committed and before the job was recorded finished: the job is still running).
    third = run("2022-11", django_capture_on_commit_callbacks)
    assert third.result["regions"]["150200"]["credited"] == 0
    Job.objects.filter(pk=second.pk).update(status=Job.Status.RUNNING, finished_at=None)
    redelivered = job_execute(job_id=second.pk)
    assert redelivered.result["regions"]["150200"]["credited"] == 0
    for person in baotou:
        assert credits(person) == [Decimal("90.00")]
        account = PersonalAccount.objects.get(person=person)
        assert account.balance == account.entries.aggregate(s=Sum("amount"))["s"]
    # 2023 (第四条: 2 % from 2023): 2 % × 3000.00 = 60.00.
    run("2023-02", django_capture_on_commit_callbacks)
    assert credits(baotou[0], "2023-02") == [Decimal("60.00")]


def test_the_job_page_names_the_periods_waiting(
    person_factory, regions, client, django_capture_on_commit_callbacks
):
    person_factory("150200")
    job = run("2022-11", django_capture_on_commit_callbacks)
    fill(regions["150200"], date(2022, 10, 1))
    client.force_login(UserFactory(roles=["manager"]))
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert 'id="backlog"' in page and "2022-11" in page and "150200" in page
    listing = client.get("/jobs/").content.decode()
    assert 'id="backlog"' in listing
