"""A clerk sets up, uses and revokes family sharing in a real browser."""

from decimal import Decimal as D

import pytest
from django.utils import timezone

from claims.settlement import settlement_create
from family_sharing.models import SharingAuthorisation
from tests.factories import PASSWORD, UserFactory
from tests.family_sharing.conftest import Family
from tests.family_sharing.test_shared_claims import claim

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.django_db(transaction=True)
def test_clerk_grants_and_revokes_sharing(page, live_server, tmp_path):
    family = Family()
    holder, member = family.employee(balance="4000.00", name="次仁卓玛"), family.resident()
    UserFactory(username="clerk", roles=["clerk"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/enrollment/persons/{holder.pk}/")
    page.click("text=授权家庭共济")
    page.fill("#id_member_id_number", member.id_number)
    page.select_option("#id_relation", "child")
    page.fill("#id_proof_number", "540102-0428")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/enrollment/persons/{holder.pk}/")
    assert member.name in page.locator('[data-table="sharing-granted"]').inner_text()
    # The relative's claim is paid from the account down to Tibet's floor.
    s, _ = settlement_create(
        request=claim(
            member, family.hospital(), "B1", "1500.00", holder, visit=timezone.localdate()
        )
    )
    assert s.family_account_paid == D("1000.00")
    page.click("text=共济明细")
    assert "-1,000.00" in page.locator('[data-table="shared-entries"]').inner_text()
    page.go_back()
    page.click("text=撤销授权")
    page.fill("#id_reason", "户籍迁出")
    page.click("button.primary")
    page.wait_for_url(f"{live_server.url}/enrollment/persons/{holder.pk}/")
    assert "已取消" in page.locator('[data-table="sharing-granted"]').inner_text()
    page.screenshot(path=str(tmp_path / "revoked.png"), full_page=True)
    assert SharingAuthorisation.objects.get().status == "revoked"
