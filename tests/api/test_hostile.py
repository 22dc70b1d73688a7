"""The hostile-input sweep on the REST API: numbers spelled as no clerk writes them (``1e3``,
``1_000``, ``+5``, ``.5``), years and page numbers in other digits, an unknown job kind. Each
was taken as a number (or ignored) and is now a 400/404 naming the field, writing nothing."""

import pytest

from claims.models import Settlement
from jobs.models import Job
from tests.api.test_bad_input import api, claim_body
from tests.claims.test_settlement import _world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return _world()


@pytest.mark.parametrize("value", ["1e3", "1E3", "1_000", "+1200", "1200.", ".5", "1 200"])
@pytest.mark.parametrize("field", ["total_amount", "self_pay_amount"])
def test_claim_amounts_spelled_as_no_clerk_writes_them_are_refused(world, field, value):
    """``1e3`` and ``1_000`` were settled as 1000.00."""
    person, _account, hospital = world
    for path in ("/api/v1/claims/preview/", "/api/v1/claims/"):
        response = api("clerk").post(path, claim_body(person, hospital, **{field: value}), "json")
        assert response.status_code == 400, response.content
        assert response.json()[field] == ["请填写合法的数字。"]
    assert not Settlement.objects.exists()


def test_plain_amounts_with_spaces_around_are_still_accepted(world):
    person, _account, hospital = world
    body = claim_body(person, hospital, total_amount=" 1200.00 ", self_pay_amount="0")
    response = api("clerk").post("/api/v1/claims/preview/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["total_amount"] == "1200.00"


@pytest.mark.parametrize("year", ["２０２５", "2_025", "2e3", "2025.0", True])
def test_year_end_year_in_other_digits_or_spellings_is_refused(year):
    """``２０２５`` was accepted (``int()`` reads it) and the year-end job queued."""
    response = api("manager").post("/api/v1/jobs/", {"kind": "year_end", "year": year}, "json")
    assert response.status_code == 400, response.content
    assert response.json()["year"] == ["年度（year）：请用半角数字 0-9 填写年份，例如 2025。"]
    assert not Job.objects.exists()


def test_year_end_of_a_future_year_is_refused_in_chinese():
    response = api("manager").post("/api/v1/jobs/", {"kind": "year_end", "year": "2099"}, "json")
    assert response.status_code == 400
    assert "只能对已结束的年度" in response.json()["year"][0]
    assert not Job.objects.exists()


@pytest.mark.parametrize("steps", ["1_0", "１０", "+10", "1e1"])
def test_selfcheck_steps_spelled_otherwise_are_refused(steps):
    response = api("clerk").post("/api/v1/jobs/", {"kind": "selfcheck", "steps": steps}, "json")
    assert response.status_code == 400, response.content
    assert "steps" in response.json()
    assert not Job.objects.exists()


@pytest.mark.parametrize("path", ["/api/v1/persons/", "/api/v1/employers/", "/api/v1/jobs/",
                                  "/api/v1/claims/", "/api/v1/catalogue/"])  # fmt: skip
@pytest.mark.parametrize("page", ["１", "٣", "1_0", "²", "-1"])
def test_a_page_number_in_other_digits_is_an_invalid_page(world, path, page):
    """Django's paginator reads ``１`` with ``int()``: it was page 1."""
    response = api("clerk", "manager").get(path, {"page": page})
    assert response.status_code == 404, response.content
    assert response.json()["detail"] == "无效页面。"
    assert api("clerk", "manager").get(path, {"page": "1"}).status_code == 200


def test_an_unknown_job_kind_filter_is_a_400_not_an_empty_list():
    client = api("clerk")
    response = client.get("/api/v1/jobs/", {"kind": "bogus"})
    assert response.status_code == 400, response.content
    assert "kind" in response.json()
    assert client.get("/api/v1/jobs/", {"kind": "selfcheck"}).status_code == 200


@pytest.mark.parametrize("value", ["1_000", "1e3"])
def test_claim_list_ids_spelled_otherwise_are_a_400(value):
    response = api("clerk").get("/api/v1/claims/", {"person": value})
    assert response.status_code == 400, response.content
    assert "person" in response.json()
