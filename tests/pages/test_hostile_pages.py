"""Hostile input on the clerks' pages (the hostile-input sweep): a row chosen by an id typed in
other digits (``٣`` was read as the id 3), numbers spelled as no clerk writes them."""

import pytest

from claims.models import Settlement
from policies.models import Region
from tests.claims.test_settlement import _world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", ["٣", "３", "³"])
def test_a_dashboard_region_chosen_in_other_digits_is_refused(client, value):
    _world()
    region = Region.objects.order_by("pk").first()
    client.force_login(UserFactory(roles=["manager"]))
    assert client.get("/dashboards/", {"region": str(region.pk)}).status_code == 200
    # Every digit of the pk in Arabic-Indic digits (mapping only 1–3 left a pk such as 4079,
    # PostgreSQL's sequence after other tests, unchanged).
    other = str(region.pk).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    for typed in (value, other):
        page = client.get("/dashboards/", {"region": typed}, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert page.status_code == 400, (typed, page.status_code)
        assert "半角数字" in page.content.decode()


@pytest.mark.parametrize("value", ["1e3", "1_000", "+1200", ".5"])
def test_the_manual_claim_page_refuses_numbers_spelled_otherwise(client, value):
    person, _account, hospital = _world()
    client.force_login(UserFactory(roles=["clerk"]))
    data = {
        "claim_number": "INV-1", "id_number": person.id_number, "institution": hospital.code,
        "visit_date": "2026-03-01", "benefit": "general_outpatient", "total_amount": value,
        "self_pay_amount": "0.00", "class_b_amount": "0.00", "use_account": "on",
    }  # fmt: skip
    page = client.post("/claims/manual/", data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400, page.status_code
    assert "输入一个数字" in page.content.decode()
    assert not Settlement.objects.exists()


@pytest.mark.parametrize(
    "query", [{"chrgitm_lv": "０１"}, {"kind": "pill"}, {"q": "阿莫\x00"}, {"chrgitm_lv": "9"}]
)
def test_a_refused_catalogue_filter_is_a_400_listing_nothing(client, query):
    """A bad filter was ignored: the whole catalogue was listed as if filtered (200)."""
    from catalogue.demo import load

    load()
    client.force_login(UserFactory(roles=["clerk"]))
    assert client.get("/catalogue/", {"chrgitm_lv": "01"}).status_code == 200
    page = client.get("/catalogue/", query, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 400
    html = page.content.decode()
    assert f'data-field="{next(iter(query))}"' in html
    assert "阿莫西林" not in html.split("</form>", 1)[1]


def test_a_page_number_in_other_digits_is_read_as_no_number(client):
    """``?page=２`` was page 2 (``int()`` reads it), ``?page=abc`` page 1: now both page 1."""
    from staff.paginator import Paginator

    rows = list(range(120))
    assert Paginator(rows, 50).get_page("２").number == 1
    assert Paginator(rows, 50).get_page("1_0").number == 1
    assert Paginator(rows, 50).get_page("2").number == 2
    assert Paginator(rows, 50).get_page(" 3 ").number == 3
    client.force_login(UserFactory(roles=["clerk"]))
    assert client.get("/jobs/", {"page": "２"}).status_code == 200
