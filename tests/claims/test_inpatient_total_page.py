"""The clerk's form for the inpatient system's reported pooled total (issue 18 item 7): the
person page links to it, shows the total against the shared maximum after it, and bad input is
named next to its field in Chinese."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from claims.models import InpatientTotal
from tests.claims.test_document_rules import person_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    from policies.services import policies_load_seeds

    policies_load_seeds()


def test_clerk_records_the_reported_inpatient_total(client, seeded):
    from tests.factories import UserFactory

    person = person_in("420100")  # Wuhan 第十九条: a maximum shared with inpatient care
    client.force_login(UserFactory(roles=["clerk"]))
    detail = client.get(f"/enrollment/persons/{person.pk}/").content.decode()
    url = f"/claims/persons/{person.pk}/inpatient-total/"
    assert f'href="{url}"' in detail
    year = timezone.localdate().year
    bad = client.post(url, {"year": year, "pooled": "１２", "as_of": "2020-01-01", "source": ""})
    html = bad.content.decode()
    assert 'data-field="pooled"' in html and 'data-field="source"' in html
    assert not InpatientTotal.objects.exists()
    today = timezone.localdate().isoformat()
    ok = client.post(
        url, {"year": year, "pooled": "12345.60", "as_of": today, "source": "住院结算系统"}
    )
    assert ok.status_code == 302
    assert InpatientTotal.objects.get().pooled == D("12345.60")
    detail = client.get(f"/enrollment/persons/{person.pk}/").content.decode()
    assert "12,345.60" in detail and "第十九条" in detail and "住院结算系统" in detail
