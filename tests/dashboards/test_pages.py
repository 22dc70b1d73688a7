"""Issue 19's dashboards: the active tab marked, month pickers read as ``YYYY-MM`` (ASCII
digits, nothing after this month), every bar labelled, clear balance buckets, drill-down links
on the rows and bars, and exports that state their filters and show no code."""

import re
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from dashboards import selectors
from dashboards.selectors import _axis_labels
from staff.codes import known_codes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGES = ["", "accounts/", "sharing/", "caps/", "chronic/", "institutions/"]


def _manager(client):
    client.force_login(UserFactory(roles=["manager"]))


def test_the_month_pickers_accept_yyyy_mm_and_refuse_the_future_and_foreign_digits(client):
    _manager(client)
    html = client.get("/dashboards/accounts/").content.decode()
    this_month = f"{timezone.localdate():%Y-%m}"
    assert 'type="month" name="start"' in html and f'max="{this_month}"' in html
    # The tab shown is marked for the eye (class) and for a screen reader (aria-current).
    assert 'class="active" aria-current="page">个人账户' in html or (
        'aria-current="page"' in html and html.count('aria-current="page"') == 1
    )
    ok = client.get("/dashboards/?start=2025-01&end=2025-06")
    assert ok.status_code == 200 and "2025-01 – 2025-06" in ok.content.decode()
    assert 'value="2025-01"' in ok.content.decode()  # the picker keeps the chosen month
    nxt = timezone.localdate().replace(day=28) + timezone.timedelta(days=7)
    future = client.get(f"/dashboards/?end={nxt:%Y-%m}")
    assert future.status_code == 400 and 'data-field="end"' in future.content.decode()
    for bad in ("２０２５-01", "2025-1x", "2025-13", "99999-01"):
        response = client.get("/dashboards/", {"start": bad})
        assert response.status_code == 400, bad
        assert 'data-field="start"' in response.content.decode(), bad


def test_every_bar_is_labelled_and_crowded_labels_are_turned():
    assert _axis_labels(["2026-01", "2026-02"]) == {"interval": 0, "hideOverlap": False}
    crowded = _axis_labels([f"2025-{m:02d}" for m in range(1, 13)])
    assert crowded["interval"] == 0 and crowded["rotate"] == 35


def test_the_balance_buckets_read_as_money_ranges():
    with translation.override("zh-hans"):
        names = [name for name, _bands in selectors.balance_buckets()]
    assert names == [
        "0.00（无余额）",
        "0.01–500.00",
        "500.01–1,000.00",
        "1,000.01–2,000.00",
        "2,000.01–5,000.00",
        "5,000.01 及以上",
    ]
    # Every stored band is in exactly one bucket.
    bands = [b for _name, members in selectors.balance_buckets() for b in members]
    assert sorted(bands) == list(range(len(selectors.AccountBand.BANDS)))


def _sheets(content: bytes) -> dict[str, list[list]]:
    from openpyxl import load_workbook

    book = load_workbook(BytesIO(content), read_only=True)
    return {s.title: [list(r) for r in s.iter_rows(values_only=True)] for s in book.worksheets}


def test_drill_downs_and_exports_with_the_demo(client):
    call_command("load_demo")
    _manager(client)
    html = client.get("/dashboards/").content.decode()
    # A month leads to its settlements in the settlement search; a region to its dashboard.
    assert "/claims/settlements/?start=" in html and "&amp;end=" in html
    assert 'href="/dashboards/?region=' in html
    assert html.count("data-drill=") >= 2
    top = client.get("/dashboards/institutions/").content.decode()
    assert 'href="/dashboards/institutions/' in top and "data-drill=" in top
    # An institution's settlements: every payer's column, so each row adds up to its total
    # (DEMO-6 is paid partly from a relative's account), under 结算明细, not 结算人次.
    from claims.models import Settlement

    shared = Settlement.objects.filter(family_account_paid__gt=0).first()
    detail = client.get(f"/dashboards/institutions/{shared.institution_id}/").content.decode()
    section = detail.split('id="institution-settlements"')[1]
    assert "<h2>结算明细</h2>" in section and "家庭共济支付（元）" in section
    row = section.split(f">{shared.claim_number}</a>")[1].split("</tr>")[0]
    figures = [D(v.replace(",", "")) for v in re.findall(r'<td class="num">([\d,.]+)</td>', row)]
    assert figures[0] == sum(figures[1:]) == shared.total_amount
    caps = client.get("/dashboards/caps/").content.decode()
    assert "category=employee" in caps
    # The drill-down from a month answers, with the month's dates in the search form.
    month = selectors.Filters(
        start=timezone.localdate().replace(day=1), end=timezone.localdate().replace(day=1)
    ).start
    search = client.get(
        "/claims/settlements/", {"start": f"{month:%Y-%m}-01", "end": f"{month:%Y-%m}-28"}
    )
    assert search.status_code == 200
    # Every export: its filters in the title rows, with labels; no code in any cell.
    codes = known_codes()
    from enrollment.models import Institution
    from policies.models import Region

    region = Region.objects.get(code="420100")
    institution = Institution.objects.filter(region=region).first()
    exports = [f"/dashboards/{p}?export=xlsx" for p in PAGES] + [
        f"/dashboards/?region={region.pk}&category=retiree&start=2025-01&end=2025-12&export=xlsx",
        f"/dashboards/institutions/{institution.pk}/?export=xlsx",
    ]
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200, url
        for title, rows in _sheets(response.content).items():
            head = {r[0]: r[1] for r in rows[1:8] if r and len(r) > 1}
            assert {"统筹地区", "统计期间", "人员类别", "金额单位"} <= set(head), (url, title, head)
            for row in rows:
                for value in row:
                    if isinstance(value, str):
                        words = set(value.replace("·", " ").split())
                        assert not words & codes, (url, title, value)
    filtered = _sheets(client.get(exports[len(PAGES)]).content)
    head = {r[0]: r[1] for r in next(iter(filtered.values()))[1:8] if r and len(r) > 1}
    assert head["统筹地区"] == region.name and head["统计期间"] == "2025-01 – 2025-12"
    assert head["人员类别"] == "退休人员"


def test_a_share_columns_total_is_the_share_of_the_totals():
    """The totals row left 实际报销比 empty: it is the pooled fund over the total amount of the
    totals (the card's figure), not a sum of the rows' shares."""
    from decimal import Decimal as D

    from dashboards.selectors import Panel

    panel = Panel(
        "p",
        "t",
        ["月份", "结算人次", "医疗费总额", "统筹基金支付", "实际报销比"],
        [
            ["2026-01", 2, D("100.00"), D("50.00"), "50.0%"],
            ["2026-02", 1, D("300.00"), D("90.00"), "30.0%"],
        ],
        sums=(1, 2, 3),
        shares=((4, 3, 2),),
    )
    assert panel.totals[1:] == [3, D("400.00"), D("140.00"), "35.0%"]


def test_the_sharing_pages_count_column_says_it_is_a_count(client):
    _manager(client)
    html = client.get("/dashboards/sharing/").content.decode()
    assert "<th>月份</th><th" in html and "共济支付笔数" in html and "代缴保费笔数" in html


def test_an_institutions_settlement_list_has_a_totals_row_and_unbroken_dates(client):
    # The list's money columns add up: a 合计 row over every page (there was none), and the
    # visit date and claim number no longer break across lines (2026-11- / 24).
    from tests.claims.test_settlement_pages import make_settlements

    person, other, hospital, made = make_settlements()
    _manager(client)
    html = client.get(
        f"/dashboards/institutions/{hospital.pk}/", {"start": "2026-01", "end": "2026-12"}
    ).content.decode()
    section = html.split('id="institution-settlements"')[1]
    footer = section.split("data-totals", 1)[1].split("</tfoot>", 1)[0]
    assert "合计（3 笔）" in footer
    figures = re.findall(r'<td class="num">([\d,.]+)</td>', footer)
    assert figures[0] == "1,330.00"  # 1,200.00 + 80.00 + 50.00
    assert D(figures[0].replace(",", "")) == sum(D(f.replace(",", "")) for f in figures[1:])
    assert '<td class="nowrap">2026-05-03</td>' in section
