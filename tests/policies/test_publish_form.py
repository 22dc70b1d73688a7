"""The publish form (issue 17 item 6): the administrator picks the start date and the base
version; the unset parameters of the policy in force on that date are named fields, each
checked on its own (errors next to the parameter, in Chinese); the preview compares with the
version in force on the start date and says what it fills or splits and which later versions
it leaves as they are."""

import json
import re

import pytest

from policies.models import PolicyVersion
from policies.services import policies_load_seeds
from staff.roles import POLICY_ADMIN
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
URL = "/policies/150200/publish/"
PENSION = "set:account.retiree.average_pension"
NOTICE = "内人社发〔2022〕演示号《关于公布2021年全区平均基本养老金的通知》（演示数据）"


@pytest.fixture
def admin(client):
    policies_load_seeds()
    client.force_login(UserFactory(roles=[POLICY_ADMIN]))
    return client


def textarea(html: str) -> dict:
    raw = re.search(r'<textarea name="document"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    import html as h

    return json.loads(h.unescape(raw))


def test_a_past_start_loads_the_version_in_force_then_and_its_unset_parameters(admin):
    # Baotou 2022-10-01..2022-12-31 credits retirees 3 % of the average pension (第四条).
    html = admin.get(f"{URL}?on=2022-11-01").content.decode()
    assert 'id="base-version"' in html and "2022-10-01 – 2022-12-31" in html
    assert 'value="2022-11-01"' in html  # the start date is the one chosen
    assert textarea(html)["account"]["retiree"]["rate"] == "0.03"
    row = re.search(r'<tr data-path="account.retiree.average_pension".*?</tr>', html, re.S)
    assert row and "基本养老金平均水平" in row.group(0) and "第四条" in row.group(0)
    # Today the 2023 text (2 %) is the base.
    assert textarea(admin.get(URL).content.decode())["account"]["retiree"]["rate"] == "0.02"
    # An explicit base version wins over the date's.
    later = PolicyVersion.objects.get(region__code="150200", effective_from="2023-01-01")
    html = admin.get(f"{URL}?on=2022-11-01&base={later.pk}").content.decode()
    assert textarea(html)["account"]["retiree"]["rate"] == "0.02"


def test_the_base_date_refuses_non_ascii_digits(admin):
    response = admin.get(f"{URL}?on=２０２２-11-01")
    assert response.status_code == 400 and 'data-field="on"' in response.content.decode()


def test_each_unset_parameter_is_checked_next_to_it(admin):
    document = PolicyVersion.objects.get(region__code="150200", effective_from="2022-10-01")
    data = {
        "effective_from": "2022-10-01",
        "effective_to": "2022-12-31",
        "source": NOTICE,
        "document": json.dumps(document.document, ensure_ascii=False),
    }
    for typed, words in (
        ("三千", "金额"),
        ("３０００", "半角数字"),
        ("-5", "不小于 0"),
        ("3000.123", "两位小数"),
    ):
        response = admin.post(URL, {**data, PENSION: typed, "publish": "1"})
        html = response.content.decode()
        assert response.status_code == 400, typed
        error = re.search(
            r'data-path="account.retiree.average_pension".*?class="form-error param-error"'
            r"[^>]*>([^<]*)<",
            html,
            re.S,
        )
        assert error and words in error.group(1), (typed, html[-3000:])
        assert 'name="publish"' not in html
    assert not PolicyVersion.objects.filter(kind="fill").exists()


def test_preview_of_a_past_fill_names_what_it_fills_then_publishes(admin):
    document = PolicyVersion.objects.get(region__code="150200", effective_from="2022-10-01")
    data = {
        "effective_from": "2022-10-01",
        "source": NOTICE,
        "document": json.dumps(document.document, ensure_ascii=False),
        PENSION: "3512.40",
    }
    html = admin.post(URL, {**data, "preview": "1"}).content.decode()
    assert 'id="diff-against"' in html and "2022-10-01 – 2022-12-31" in html
    row = re.search(r'<tr data-path="account.retiree.average_pension".*?</tr>', html, re.S)
    assert "3,512.40" in row.group(0) or "3512.40" in row.group(0)
    plan = " ".join(re.findall(r'<p class="plan">(.*?)</p>', html, re.S))
    assert "补充设定的版本" in plan and "2022-10-01 – 2022-12-31" in plan
    assert 'name="publish"' in html
    response = admin.post(URL, {**data, "publish": "1"})
    assert response.status_code == 302
    fill = PolicyVersion.objects.get(kind="fill")
    assert fill.document["account"]["retiree"]["average_pension"] == "3512.40"
    assert (str(fill.effective_from), str(fill.effective_to)) == ("2022-10-01", "2022-12-31")


def test_preview_of_a_split_names_the_cut_and_the_later_versions(admin):
    # A version inside 2022-10-01..2022-12-31 (from 2022-12-01) cuts it; 2023-01-01 is later
    # and unchanged.
    base = PolicyVersion.objects.get(region__code="150200", effective_from="2022-10-01")
    document = json.loads(json.dumps(base.document))
    document["account"]["retiree"]["rate"] = "0.025"
    html = admin.post(
        URL,
        {
            "effective_from": "2022-12-01",
            "source": "包府办发〔2022〕演示修订（演示数据）",
            "document": json.dumps(document, ensure_ascii=False),
            "preview": "1",
        },
    ).content.decode()
    plan = " ".join(re.findall(r'<p class="plan">(.*?)</p>', html, re.S))
    assert "2022-11-30" in plan  # the cut version keeps its days up to the day before
    assert "其后的版本不变" in plan and "2023-01-01 – …" in plan
    row = re.search(r'<tr data-path="account.retiree.rate".*?</tr>', html, re.S).group(0)
    assert "3%" in row and "2.5%" in row and "第四条" in row


def test_drafts_from_the_form_saved_opened_published_or_deleted(admin):
    # Issue 17 item 5 in pages: save the form as a draft (never in force), open it again,
    # publish it (the draft is done), or delete another.
    from policies.models import PolicyDraft
    from policies.selectors import effective_policy

    base = PolicyVersion.objects.get(region__code="150200", effective_from="2022-10-01")
    data = {
        "effective_from": "2022-10-01",
        "source": NOTICE,
        "document": json.dumps(base.document, ensure_ascii=False),
        PENSION: "3512.40",
        "draft": "1",
    }
    assert admin.post(URL, data).status_code == 302
    draft = PolicyDraft.objects.get()
    assert draft.document["account"]["retiree"]["average_pension"] == "3512.40"
    on = effective_policy(region=base.region, on_date=base.effective_from)
    assert on.document["account"]["retiree"]["average_pension"] is None  # not in force
    page = admin.get("/policies/150200/").content.decode()
    assert f"?draft={draft.pk}" in page and f"/drafts/{draft.pk}/delete/" in page
    opened = admin.get(f"{URL}?draft={draft.pk}").content.decode()
    assert f'name="draft_id" value="{draft.pk}"' in opened
    assert textarea(opened)["account"]["retiree"]["average_pension"] == "3512.40"
    published = admin.post(
        URL,
        {
            "effective_from": "2022-10-01",
            "source": NOTICE,
            "document": json.dumps(draft.document, ensure_ascii=False),
            "draft_id": str(draft.pk),
            "publish": "1",
        },
    )
    assert published.status_code == 302 and not PolicyDraft.objects.exists()
    assert PolicyVersion.objects.filter(kind="fill").count() == 1
    admin.post(URL, {**data, "effective_from": "2023-01-01"})
    other = PolicyDraft.objects.get()
    assert admin.get(f"/policies/150200/drafts/{other.pk}/delete/").status_code == 405
    assert admin.post(f"/policies/150200/drafts/{other.pk}/delete/").status_code == 302
    assert not PolicyDraft.objects.exists()


def test_a_ratio_typed_as_a_json_number_is_kept_as_its_exact_text(admin):
    """The form read the document with ``json.loads``: ``0.85`` was a float the schema refused
    (a ratio is text). It is read as the Decimal 0.85 and kept as ``"0.85"``, as on the API;
    NaN is refused beside the field, in Chinese."""
    from policies.models import PolicyDraft

    base = PolicyVersion.objects.get(region__code="150200", effective_from="2022-10-01")
    document = json.loads(json.dumps(base.document))
    document["account"]["employee_rate"] = "@rate@"
    text = json.dumps(document, ensure_ascii=False)
    data = {"effective_from": "2022-10-01", "source": NOTICE, PENSION: "3512.40", "draft": "1"}
    refused = admin.post(URL, {**data, "document": text.replace('"@rate@"', "NaN")})
    assert refused.status_code == 400
    assert "NaN、Infinity 不是 JSON 的数值" in refused.content.decode()
    assert not PolicyDraft.objects.exists()
    assert (
        admin.post(URL, {**data, "document": text.replace('"@rate@"', "0.85")}).status_code == 302
    )
    assert PolicyDraft.objects.get().document["account"]["employee_rate"] == "0.85"


def test_an_unset_parameters_value_box_is_wide_enough_for_its_hint(admin):
    # The hint 如 next_month / same_month was cut to 如 next_month / same_r in a narrow box.
    from pathlib import Path

    from django.conf import settings

    html = admin.get(f"{URL}?on=2022-11-01").content.decode()
    assert f'<input class="param-value" id="id_{PENSION}"' in html
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    assert re.search(r"input\.param-value \{ min-width: \d+rem; \}", css)
