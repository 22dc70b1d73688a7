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


def test_the_list_tells_jobs_of_one_kind_apart_by_their_parameters(client):
    # Three monthly crediting runs read as three identical rows; each now says its period.
    user = UserFactory(roles=[CLERK])
    client.force_login(user)
    for period in ("2026-10", "2026-11"):
        Job.objects.create(
            kind="monthly_crediting", status="succeeded", parameters={"period": period}
        )
    Job.objects.create(kind="payroll_import", status="failed",
                       parameters={"path": "/srv/uploads/x.csv", "filename": "工资单.csv"})  # fmt: skip
    page = client.get("/jobs/").content.decode()
    cells = page.split("data-parameters>")[1:]
    shown = [cell.split("</td>", 1)[0] for cell in cells]
    assert any("2026-10" in c for c in shown) and any("2026-11" in c for c in shown)
    assert any("工资单.csv" in c for c in shown)
    assert "/srv/uploads" not in page  # a server path is never shown
    assert '<th class="num">进度</th>' in page  # the header sits over its right-aligned figures


@pytest.mark.parametrize(
    ("role", "shown"), [(CLERK, True), ("auditor", True), ("institution", False)]
)
def test_the_self_check_button_is_shown_to_those_it_runs_for(client, role, shown):
    # An institution's user was shown it and got a 403 (auditors see it disabled, read-only).
    client.force_login(UserFactory(roles=[role]))
    page = client.get("/jobs/").content.decode()
    assert ('action="/jobs/selfcheck/"' in page) == shown


def test_a_jobs_refusals_keep_their_short_columns_whole():
    # 统筹地区 and 所属期 broke a character a line beside a long message (stylesheet rule; the
    # message column alone wraps).
    import re
    from pathlib import Path

    from django.conf import settings

    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    assert re.search(
        r"table\.errors th, table\.errors td:not\(:last-child\) \{ white-space: nowrap; \}", css
    )
    # …and the message breaks a long token (a header list without spaces) rather than push
    # the page sideways at 1024 pixels.
    assert "table.errors td:last-child { overflow-wrap: anywhere; }" in css
