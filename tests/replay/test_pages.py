"""The policy replay pages (issue 21): start a replay of a draft, read the comparison, export
it, print the evaluation report — per role, with hostile input, against the contract's result
shape (finished jobs are made directly; the engine is tested on its own)."""

import json
import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from enrollment.models import InstitutionUser
from jobs.models import Job
from jobs.registry import get_kind
from staff.roles import AUDITOR, CLERK, INSTITUTION, MANAGER, POLICY_ADMIN
from tests.factories import InstitutionFactory, UserFactory
from tests.pages.test_labels_walk import LONG_DECIMAL, UNSEPARATED, unlabelled

from .pages_data import DraftFactory, ReplayJobFactory

pytestmark = pytest.mark.django_db


def _as(client, role):
    user = UserFactory(roles=[role])
    if role == INSTITUTION:
        InstitutionUser.objects.create(user=user, institution=InstitutionFactory())
    client.force_login(user)
    return user


@pytest.fixture
def job():
    draft = DraftFactory()
    made = ReplayJobFactory(
        parameters={"draft": draft.pk, "start": "2025-01-01", "end": "2025-03-31"}
    )
    made.result["draft_id"] = draft.pk
    made.save(update_fields=["result"])
    return made


# --- who reaches what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [(MANAGER, 200), (AUDITOR, 200), (POLICY_ADMIN, 200), (CLERK, 403), (INSTITUTION, 403)],
)
def test_who_reads_replays(client, job, role, expected):
    _as(client, role)
    for path in ("/replay/", f"/replay/{job.pk}/", f"/replay/{job.pk}/report/",
                 f"/replay/{job.pk}/export/", f"/replay/{job.pk}/progress/"):  # fmt: skip
        assert client.get(path).status_code == expected, path


def test_anonymous_visitors_are_sent_to_sign_in(client, job):
    response = client.get(f"/replay/{job.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", [AUDITOR, POLICY_ADMIN, CLERK])
def test_only_managers_start_a_replay(client, role):
    draft = DraftFactory()
    _as(client, role)
    body = {"draft": draft.pk, "start": "2025-01-01", "end": "2025-03-31"}
    assert client.post("/replay/", body).status_code == 403
    assert not Job.objects.exists()


def test_a_job_of_another_kind_is_no_replay(client):
    _as(client, MANAGER)
    other = Job.objects.create(kind="selfcheck", status="succeeded", result={"steps": 3})
    assert client.get(f"/replay/{other.pk}/").status_code == 404
    assert client.get(f"/replay/{other.pk}/export/").status_code == 404


# --- the start form -------------------------------------------------------------------------


def test_the_form_preselects_the_draft_of_the_link(client):
    draft = DraftFactory()
    _as(client, MANAGER)
    page = client.get(f"/replay/?draft={draft.pk}").content.decode()
    assert f'<option value="{draft.pk}" selected>' in page
    assert "包头市" in page and "待评估的政策草稿" in page
    # A hostile preselection is ignored, not a 500.
    assert client.get("/replay/?draft=１２").status_code == 200
    assert client.get("/replay/?draft=' or 1=1").status_code == 200


@pytest.mark.parametrize(
    ("start", "end", "field", "words"),
    [
        ("２０２５-01-01", "2025-03-31", "start", "0-9"),
        ("2025/01/01", "2025-03-31", "start", "YYYY-MM-DD 或 YYYYMMDD"),
        ("2025-13-01", "2025-03-31", "start", "日期"),
        ("2025-03-31", "2025-01-01", "end", "截止日期早于起始日期"),
        ("2025-01-01", "FUTURE", "end", "将来"),
        ("", "2025-03-31", "start", "必填"),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_starts_nothing(client, start, end, field, words):
    draft = DraftFactory()
    _as(client, MANAGER)
    if end == "FUTURE":
        end = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post("/replay/", {"draft": draft.pk, "start": start, "end": end})
    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(rf'data-field="{field}">(.*?)</div>', page, re.S)
    assert error, page[:2000]
    assert words in error.group(1), error.group(1)
    assert f'value="{end}"' in page  # the form keeps what was typed
    assert not Job.objects.exists()


def test_an_unknown_draft_is_refused_in_chinese(client):
    _as(client, MANAGER)
    response = client.post(
        "/replay/", {"draft": "999999", "start": "2025-01-01", "end": "2025-01-31"}
    )
    assert response.status_code == 400
    assert "草稿不存在" in response.content.decode()


def test_compact_dates_are_read_and_the_parameters_are_iso():
    from replay.forms import ReplayForm

    draft = DraftFactory()
    form = ReplayForm({"draft": str(draft.pk), "start": "20250101", "end": "20250331"})
    assert form.is_valid(), form.errors
    assert form.parameters() == {"draft": draft.pk, "start": "2025-01-01", "end": "2025-03-31"}
    assert not ReplayForm(
        {"draft": str(draft.pk), "start": "2025011", "end": "20250331"}
    ).is_valid()


def test_the_start_form_queues_a_policy_replay(client, django_capture_on_commit_callbacks):
    if get_kind("policy_replay") is None:
        pytest.skip("the policy_replay job kind is registered by the replay engine (helper rp)")
    draft = DraftFactory()
    _as(client, MANAGER)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            "/replay/", {"draft": draft.pk, "start": "20250101", "end": "2025-03-31"}
        )
    job = Job.objects.get(kind="policy_replay")
    assert response.status_code == 302 and response.url == f"/replay/{job.pk}/"
    assert job.parameters["draft"] == draft.pk
    assert str(job.parameters["start"]) == "2025-01-01"


def test_without_the_engine_the_start_is_refused_with_a_reason(client, monkeypatch):
    from jobs import registry

    monkeypatch.setattr(
        registry, "_KINDS", {k: v for k, v in registry._KINDS.items() if k != "policy_replay"}
    )
    draft = DraftFactory()
    _as(client, MANAGER)
    page = client.get("/replay/").content.decode()
    assert "data-engine-missing" in page
    response = client.post(
        "/replay/", {"draft": draft.pk, "start": "2025-01-01", "end": "2025-03-31"}
    )
    assert response.status_code == 400 and not Job.objects.exists()


# --- the comparison ---------------------------------------------------------------------------


def _chart(page: str, chart_id: str) -> dict:
    found = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, chart_id
    return json.loads(found.group(1))


def test_manager_reads_the_comparison(client, job):
    _as(client, MANAGER)
    response = client.get(f"/replay/{job.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    # Facts, cards (actual, draft, difference, %), counts.
    for words in ("包头市 150200", "2025-01-01 — 2025-03-31", "包头市 2026 年调整草案", "统筹基金支付",
                  "个人账户", "家庭共济账户支付", "现金支付", "36,203.67", "39,200.50", "+2,996.83",
                  "+8.3%", "负担减轻人数", "3,120.40", "新增达到年度限额人数"):  # fmt: skip
        assert words in page, words
    # Every breakdown with its Chinese labels and a totals row.
    for words in ("按月", "2025-02", "普通门诊", "慢性", "一级", "在职职工", "退休人员", "80岁及以上",
                  "44岁及以下"):  # fmt: skip
        assert words in page, words
    months = re.search(r'data-table="month">(.*?)</table>', page, re.S).group(1)
    totals = re.search(r'<tr class="totals">(.*?)</tr>', months, re.S).group(1)
    assert (
        "合计" in totals and "36,203.67" in totals and "39,200.50" in totals and ">120<" in totals
    )
    assert '<td class="num">13,200.50</td>' in months  # money right-aligned
    # Refusals with the parameter's label and article; crediting; exact check; differences.
    refused = re.search(r'data-table="refused">(.*?)</table>', page, re.S).group(1)
    assert (
        "第十条" in refused
        and "年度最高支付限额" in refused
        and "general_outpatient" not in refused
    )
    assert "249,083.00" in page and "298,899.60" in page
    assert 'data-exact="ok"' in page
    differences = re.search(r'data-table="differences">(.*?)</table>', page, re.S).group(1)
    assert "第八条" in differences and "70%" in differences and "75%" in differences
    assert "未设定" in differences and "5,000.00" in differences
    # Charts: data in json_script (no inline script), money as decimal strings, never floats.
    monthly = _chart(page, "chart-replay-monthly")
    assert monthly["series"][1]["data"] == ["13200.50", "11000.00", "15000.00"]
    delta = _chart(page, "chart-replay-delta")
    assert [d["value"] for d in delta["series"][0]["data"]] == [12, 28, 4, 1]
    assert "<script>" not in page and " style=" not in page
    # No code reaches a reader; money is formatted.
    assert unlabelled(page) == set()
    assert not LONG_DECIMAL.findall(page) and not UNSEPARATED.findall(
        re.sub(r"<script.*?</script>", "", page, flags=re.S)
    )


def test_a_running_replay_polls_and_reloads_when_it_ends(client):
    _as(client, MANAGER)
    job = ReplayJobFactory(status="running", progress=30, total=120, result={}, finished_at=None)
    page = client.get(f"/replay/{job.pk}/").content.decode()
    assert f'hx-get="/replay/{job.pk}/progress/"' in page and 'hx-trigger="every 1s"' in page
    assert "30 / 120" in page
    assert client.get(f"/replay/{job.pk}/export/").status_code == 404
    assert client.get(f"/replay/{job.pk}/report/").status_code == 404
    fragment = client.get(f"/replay/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in fragment
    Job.objects.filter(pk=job.pk).update(status="succeeded", progress=120)
    fragment = client.get(f"/replay/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true" and "hx-get" not in fragment.content.decode()


def test_a_failed_replay_says_why(client):
    _as(client, MANAGER)
    job = ReplayJobFactory(
        status="failed",
        result={},
        errors=[{"field": "draft", "message": "general_outpatient.annual_cap.retiree 未设定"}],
    )
    page = client.get(f"/replay/{job.pk}/").content.decode()
    assert "模拟评估失败" in page and "年度最高支付限额" in page
    assert unlabelled(page) == set()


def test_an_odd_result_shows_what_it_has_and_no_500(client):
    _as(client, MANAGER)
    job = ReplayJobFactory(result={"actual": {"pool_paid": "x"}, "breakdowns": {"month": ["?", {"key": None}]},
                                   "person_delta": "?", "crediting": None, "exact_check": {"sample": 10, "matched": 9, "mismatches": [{"pool_paid": "1.00"}]}})  # fmt: skip
    response = client.get(f"/replay/{job.pk}/")
    assert response.status_code == 200
    assert 'data-exact="mismatch"' in response.content.decode()
    assert client.get(f"/replay/{job.pk}/export/").status_code == 200
    assert client.get(f"/replay/{job.pk}/report/").status_code == 200


def test_the_list_shows_replays_with_their_draft(client, job):
    _as(client, POLICY_ADMIN)
    page = client.get("/replay/").content.decode()
    assert (
        f'href="/replay/{job.pk}/"' in page
        and "包头市" in page
        and "2025-01-01 — 2025-03-31" in page
    )
    assert "replay-form" not in page  # policy administrators read, they start nothing


# --- XLSX and the report -----------------------------------------------------------------------


def test_the_export_is_a_workbook_with_numbers_and_labels(client, job):
    from openpyxl import load_workbook

    _as(client, AUDITOR)
    response = client.get(f"/replay/{job.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(BytesIO(response.content))
    summary = book.worksheets[0]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    assert rows[0][0] == "政策模拟评估：草案对比"
    assert rows[1] == ["统筹地区", "包头市 150200", *rows[1][2:]]
    assert "包头市 2026 年调整草案" in rows[2][1] and rows[3][1] == "2025-01-01 — 2025-03-31"
    pool = next(r for r in rows if r[0] == "统筹基金支付")
    # openpyxl reads numbers back as floats: compared as text at two places.
    assert [f"{v:.2f}" for v in pool[1:4]] == ["36203.67", "39200.50", "2996.83"]
    cell = next(c for row in summary.iter_rows() for c in row if c.value == pool[1])
    assert cell.number_format == "#,##0.00" and cell.data_type == "n"
    titles = book.sheetnames
    assert "按月" in titles and "按年龄段" in titles
    ages = [[c.value for c in row] for row in book["按年龄段"].iter_rows()]
    labels = [r[0] for r in ages]
    assert "80岁及以上" in labels and "80+" not in labels and "合计" in labels
    texts = {
        str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value
    }
    assert not {"general_outpatient", "employee", "retiree", "pool_paid"} & texts


def test_the_report_is_a_document_with_signatures(client, job):
    user = _as(client, MANAGER)
    user.last_name, user.first_name = "李", "经理"
    user.save()
    page = client.get(f"/replay/{job.pk}/report/").content.decode()
    for words in ("包头市医疗保障局", "政策调整模拟评估报告", "打印时间", "经办人", "李经理", "审批人", "（盖章）",
                  "草案与现行政策的差异（逐条）", "第八条", "按月", "按年龄段", "精确核对"):  # fmt: skip
        assert words in page, words
    assert "data-chart" not in page and "<script>" not in page
    assert unlabelled(page) == set()


# --- the links to it ---------------------------------------------------------------------------


def test_managers_reach_replay_from_home_and_from_a_draft(client):
    draft = DraftFactory()
    _as(client, MANAGER)
    assert 'href="/replay/"' in client.get("/").content.decode()
    page = client.get(f"/policies/{draft.region.code}/").content.decode()
    assert f'href="/replay/?draft={draft.pk}"' in page and "模拟评估" in page


def test_institutions_see_no_drafts_and_clerks_no_replay_link(client):
    draft = DraftFactory()
    _as(client, INSTITUTION)
    page = client.get(f"/policies/{draft.region.code}/").content.decode()
    assert draft.source[:10] not in page
    client.logout()
    _as(client, CLERK)
    page = client.get(f"/policies/{draft.region.code}/").content.decode()
    assert draft.source[:10] in page and "/replay/" not in page


def test_the_job_page_links_to_the_comparison(client, job):
    _as(client, MANAGER)
    assert f'href="/replay/{job.pk}/"' in client.get(f"/jobs/{job.pk}/").content.decode()


def test_the_bucket_of_no_change_is_neither_better_nor_worse_off():
    """The engine's bucket of no change (0 to 0) was shown as 0.00 ～ 0.00, 负担减轻: the
    persons whose burden did not move are counted as better off."""
    from replay.exports import comparison

    result = {
        "person_delta": {
            "buckets": [
                {"lower": "-10.00", "upper": "0.00", "persons": 2},
                {"lower": "0.00", "upper": "0.00", "persons": 9},
                {"lower": "0.00", "upper": "10.00", "persons": 1},
            ]
        }
    }
    rows = comparison(result).delta.rows
    assert [r[:2] for r in rows] == [
        ["-10.00 ～ 0.00", "负担减轻"],
        ["0.00", "无变化"],
        ["0.00 ～ 10.00", "负担加重"],
    ]


def test_the_differences_are_labelled_in_the_readers_language():
    """A replay started on the Chinese pages stored its labels in Chinese; the English page
    showed 统筹基金支付比例 · 在职职工 · 一级 in its differences table."""
    from django.utils import translation

    from replay.exports import comparison

    path = "general_outpatient.ratio.employee.1"
    result = {"differences": [{"path": path, "label": "统筹基金支付比例 · 在职职工 · 一级",
                               "article": "第十五条", "in_force": "0.80", "draft": "0.85"}]}  # fmt: skip
    with translation.override("en"):
        row = comparison(result).differences.rows[0]
    assert not re.search(r"[\u4e00-\u9fff]", row[1]) and row[2:] == ["80%", "85%"]
    with translation.override("zh-hans"):
        assert comparison(result).differences.rows[0][1] == "统筹基金支付比例 · 在职职工 · 一级"


def test_a_running_replays_progress_counts_settlements(client):
    _as(client, MANAGER)
    job = ReplayJobFactory(status="running", progress=30, total=120, result={}, finished_at=None)
    fragment = client.get(f"/replay/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert '<span class="figures">已处理 30 / 120 笔结算 · 25%</span>' in fragment, fragment


def test_a_policy_administrator_is_told_who_starts_a_replay(client):
    # The page showed only an empty list (尚未进行模拟评估): no form and no word on how one starts.
    _as(client, POLICY_ADMIN)
    page = client.get("/replay/").content.decode()
    assert "data-started-by-managers" in page and "模拟评估由管理人员发起" in page
    _as(client, MANAGER)
    assert "data-started-by-managers" not in client.get("/replay/").content.decode()
