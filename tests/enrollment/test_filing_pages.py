"""Clerk pages for out-of-region filings (异地就医备案, issue 18 item 16): the person page lists
them; a clerk records one and ends (revokes) it from forms; bad input is named by field, in
Chinese, and changes nothing; an auditor reads the forms and cannot submit them."""

import re
from datetime import date

import pytest

from enrollment.models import OutOfRegionFiling
from tests.factories import PersonFactory, RegionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return PersonFactory()


def test_clerk_records_lists_and_ends_a_filing(client, person):
    RegionFactory(code="440000", name="广东省")
    client.force_login(UserFactory(roles=["clerk"]))
    url = f"/enrollment/persons/{person.pk}/filings/new/"
    page = client.get(url).content.decode()
    assert "备案类型" in page and "备案地" in page
    # A temporary filing without its end: refused next to valid_to, nothing written.
    response = client.post(
        url, {"kind": "temporary", "region": "440000", "valid_from": "2026-03-01"}
    )
    html = response.content.decode()
    assert re.search(r'data-field="valid_to">[^<]*临时外出就医备案', html), html[-2000:]
    assert not OutOfRegionFiling.objects.exists()
    # Full-width digits in a date: refused, named.
    response = client.post(
        url,
        {"kind": "temporary", "region": "440000", "valid_from": "２０２６-03-01",
         "valid_to": "2026-06-30"},
    )  # fmt: skip
    assert 'data-field="valid_from"' in response.content.decode()
    response = client.post(
        url,
        {"kind": "temporary", "region": "440000", "valid_from": "2026-03-01",
         "valid_to": "2026-06-30"},
    )  # fmt: skip
    assert response.status_code == 302
    filing = OutOfRegionFiling.objects.get()
    detail = client.get(f"/enrollment/persons/{person.pk}/").content.decode()
    section = detail[detail.index('id="filings"') :]
    assert "临时" in section and "广东省" in section and "2026-06-30" in section
    end_url = f"/enrollment/persons/{person.pk}/filings/{filing.pk}/end/"
    assert f'href="{end_url}"' in detail
    # Ending after its own end is refused; a reason is required.
    bad = client.post(end_url, {"valid_to": "2026-07-31", "reason": "回本地"})
    assert 'data-field="valid_to"' in bad.content.decode()
    bad = client.post(end_url, {"valid_to": "2026-03-10", "reason": ""})
    assert 'data-field="reason"' in bad.content.decode()
    assert client.post(end_url, {"valid_to": "2026-03-10", "reason": "回本地"}).status_code == 302
    filing.refresh_from_db()
    assert (filing.valid_to, filing.end_reason) == (date(2026, 3, 10), "回本地")


def test_auditor_reads_but_cannot_record(client, person):
    RegionFactory(code="440100", name="广州市")
    client.force_login(UserFactory(roles=["auditor"]))
    url = f"/enrollment/persons/{person.pk}/filings/new/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"kind": "long_term", "region": "440100", "valid_from": "2026-01-01"}
    )
    assert response.status_code == 403 and not OutOfRegionFiling.objects.exists()
