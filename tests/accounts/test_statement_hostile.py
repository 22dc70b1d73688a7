"""Statements and receipts with hostile filters (the hostile-input sweep): a start after today
or a period still to come is refused (400, naming the field); a refused filter never exports
(the whole statement was exported, unfiltered, when the filter was bad)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.claims.test_settlement import _world
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.fixture
def person(client):
    client.force_login(UserFactory(roles=["clerk", "manager"]))
    return _world()[0]


def test_a_statement_starting_after_today_is_refused(client, person):
    page = client.get(f"/accounts/persons/{person.pk}/statement/", {"date_from": tomorrow()},
                      HTTP_ACCEPT_LANGUAGE="zh-hans")  # fmt: skip
    assert page.status_code == 400 and f"{tomorrow()} 晚于今天" in page.content.decode()
    # Ending after today is fine: "up to the end of this month".
    page = client.get(f"/accounts/persons/{person.pk}/statement/", {"date_to": tomorrow()})
    assert page.status_code == 200


@pytest.mark.parametrize("bad", [{"date_from": "２０２６-01-01"}, {"date_to": "2026-13-01"},
                                 {"date_from": tomorrow()}])  # fmt: skip
@pytest.mark.parametrize("export", ["csv", "xlsx"])
def test_a_refused_filter_exports_nothing(client, person, bad, export):
    response = client.get(f"/accounts/persons/{person.pk}/statement/", {**bad, "export": export},
                          HTTP_ACCEPT_LANGUAGE="zh-hans")  # fmt: skip
    assert response.status_code == 400, response.status_code
    assert response["Content-Type"].startswith("text/html")


def test_a_sharing_statement_starting_after_today_is_refused(client, person):
    page = client.get(f"/family-sharing/statement/{person.pk}/", {"date_from": tomorrow()},
                      HTTP_ACCEPT_LANGUAGE="zh-hans")  # fmt: skip
    assert page.status_code == 400 and "晚于今天" in page.content.decode()


@pytest.mark.parametrize("field", ["period_from", "period_to"])
def test_a_receipt_for_a_period_still_to_come_is_refused(client, person, field):
    page = client.get(f"/accounts/persons/{person.pk}/receipt/", {field: "2099-01"},
                      HTTP_ACCEPT_LANGUAGE="zh-hans")  # fmt: skip
    assert page.status_code == 400 and "未来" in page.content.decode()


def test_the_account_api_refuses_a_start_after_today(person):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="zh-hans")
    user = UserFactory(roles=["clerk"])
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    response = api.get(f"/api/v1/persons/{person.pk}/account/", {"from": tomorrow()})
    assert response.status_code == 400, response.content
    assert "晚于今天" in response.json()["date_from"][0]
    assert api.get(f"/api/v1/persons/{person.pk}/account/", {"to": tomorrow()}).status_code == 200


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("/accounts/persons/{pk}/statement/", {"date_from": "２０２６-01-01"}),
        ("/accounts/persons/{pk}/receipt/", {"period_to": "2099-01"}),
        ("/family-sharing/statement/{pk}/", {"date_from": tomorrow()}),
    ],
)
def test_a_refused_range_shows_its_errors_and_no_document(client, person, path, bad):
    # The unfiltered statement under the refused range was listed below the errors (and could
    # be printed as if it were that range): now the errors, a sentence, and nothing to print.
    page = client.get(path.format(pk=person.pk), bad, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 400
    assert "data-refused" in html and "请更正后重新查询" in html
    assert "data-capital" not in html and "data-range" not in html and "<table" not in html
    good = client.get(path.format(pk=person.pk), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert good.status_code == 200 and "data-capital" in good.content.decode()


@pytest.mark.parametrize(
    "path", ["/accounts/persons/{pk}/statement/", "/family-sharing/statement/{pk}/"]
)
def test_a_range_ending_before_it_starts_is_refused_naming_the_end(client, person, path):
    # It was printed as a statement of 2026-11-30 至 2026-01-01, empty, closing at 0.00.
    page = client.get(
        path.format(pk=person.pk), {"date_from": "2026-11-30", "date_to": "2026-01-01"}
    )
    html = page.content.decode()
    assert page.status_code == 400
    assert "截止日期（2026-01-01）早于起始日期（2026-11-30）" in html
    assert 'data-field="date_to"' in html
