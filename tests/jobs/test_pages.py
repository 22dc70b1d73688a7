"""Job pages: list, detail, the htmx progress fragment."""

import pytest

from jobs.models import Job
from staff.roles import CLERK
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_running_job_fragment_polls_itself_and_finished_one_stops(client):
    user = UserFactory(roles=[CLERK])
    client.force_login(user)
    job = Job.objects.create(
        kind="selfcheck", status="running", total=10, progress=4, created_by=user
    )
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'hx-get="/jobs/{job.pk}/progress/"' in page and 'hx-trigger="every 1s"' in page
    assert "4 / 10" in page
    Job.objects.filter(pk=job.pk).update(status="succeeded", progress=10)
    fragment = client.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert "hx-get" not in fragment and "100%" in fragment


def test_selfcheck_button_runs_a_job(client, django_capture_on_commit_callbacks):
    client.force_login(UserFactory(roles=[CLERK]))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/jobs/selfcheck/")
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert job.status == "succeeded"
    assert client.get("/jobs/").status_code == 200


def test_pages_need_login(client):
    assert client.get("/jobs/").status_code == 302


def test_a_regions_refusal_names_the_region_beside_its_code(
    client, django_capture_on_commit_callbacks
):
    # Jilin (吉医保联〔2022〕22号) leaves the retiree credit to the cities: a crediting run
    # refuses it (accounts/crediting.py records region_name), and the job page names the
    # region, not only its code.
    user = UserFactory(roles=[CLERK])
    client.force_login(user)
    job = Job.objects.create(
        kind="selfcheck",
        status="failed",
        created_by=user,
        errors=[{"region": "220000", "region_name": "吉林省", "field": "x", "message": "未设定"}],
    )
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "吉林省（220000）" in page


def test_a_refusal_stored_with_its_code_only_is_named_and_dates_are_iso(client):
    # Jobs recorded through JobProgress.error lost the region's name (the retiree crediting
    # run's refusals showed a bare 220000); the page looks the name up, and the times are ISO.
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from jobs.progress import JobProgress
    from policies.models import Region

    Region.objects.get_or_create(code="220000", defaults={"name": "吉林省"})
    user = UserFactory(roles=[CLERK])
    client.force_login(user)
    when = datetime(2026, 12, 1, 11, 13, tzinfo=ZoneInfo("Asia/Shanghai"))
    job = Job.objects.create(
        kind="monthly_crediting",
        status="partial",
        created_by=user,
        errors=[{"region": "220000", "field": "account.retiree.method", "message": "未设定"}],
    )
    Job.objects.filter(pk=job.pk).update(created_at=when, finished_at=when)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "吉林省（220000）" in page
    assert "2026-12-01 11:13" in page and "2026年12月1日" not in page
    listing = client.get("/jobs/").content.decode()
    assert "2026-12-01 11:13" in listing and "2026年12月1日" not in listing

    progress = JobProgress.__new__(JobProgress)
    progress.errors, progress.errors_dropped = [], 0
    progress.error("未设定", region="220000", region_name="吉林省", field="x")
    assert progress.errors == [
        {"field": "x", "region": "220000", "region_name": "吉林省", "message": "未设定"}
    ]


@pytest.mark.parametrize(
    ("kind", "figures"),
    [
        ("selfcheck", "已处理 4 / 10 步 · 40%"),
        ("monthly_crediting", "已处理 4 / 10 人 · 40%"),
        ("year_end", "已处理 4 / 10 个账户 · 40%"),
        ("policy_replay", "已处理 4 / 10 笔结算 · 40%"),
        ("payroll_import", "已处理 4 / 10 行 · 40%"),
        ("catalogue_import", "已处理 4 / 10 行 · 40%"),
        ("no_such_kind", "已处理 4 / 10 · 40%"),  # a kind no app registers: a bare count
    ],
)
def test_every_job_page_says_what_its_progress_counts(client, kind, figures):
    user = UserFactory(roles=[CLERK])
    client.force_login(user)
    job = Job.objects.create(kind=kind, status="running", total=10, progress=4, created_by=user)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert f'<span class="figures">{figures}</span>' in page, page
    unit = figures.split("10")[1].split("·")[0].strip()
    listing = client.get("/jobs/").content.decode()
    assert f'<td class="num">4 / 10{" " + unit if unit else ""}</td>' in listing
