"""``load_demo`` leaves requests awaiting review (经办/复核), so the 待复核 queue shows something
to clerk2 and policy_admin2: the clerk's reversal of DEMO-1 (above REVIEW_REVERSAL_ABOVE) and
approval of 张伟's I10 certification, policy_admin's publication for 西藏自治区. Loading again
adds none; each is decided by the second user as any request is."""

import io
import re
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from claims.models import ChronicCertification, Settlement
from policies.models import PolicyVersion
from staff.models import ReviewRequest
from tests.browser.test_dashboards import reseed_what_migrations_seed

pytestmark = [pytest.mark.django_db, pytest.mark.review]


def _as(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _name(username: str) -> str:
    from staff.templatetags.staff_tags import display_name

    return display_name(get_user_model().objects.get(username=username))


def test_the_demo_leaves_pending_reviews_once_and_the_second_users_decide_them():
    reseed_what_migrations_seed()
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", stdout=out)  # again: nothing more is asked
    pending = ReviewRequest.objects.filter(status="pending")
    assert sorted(pending.values_list("kind", "requested_by__username")) == [
        ("certification_approval", "clerk"),
        ("policy_publication", "policy_admin"),
        ("settlement_reversal", "clerk"),
    ]
    assert ReviewRequest.objects.count() == 3

    queue = _as("clerk2").get("/reviews/").content.decode()
    reversal = pending.get(kind="settlement_reversal")
    certification = pending.get(kind="certification_approval")
    publication = pending.get(kind="policy_publication")
    assert re.search(r"data-count>[^<]*3", queue)
    for review in (reversal, certification, publication):
        assert f'data-review="{review.pk}"' in queue
    # clerk2 may decide the clerk's two; policy_admin2 the publication.
    assert queue.count('class="button primary"') == 2
    assert _as("policy_admin2").get("/reviews/").content.decode().count('class="button primary"')

    clerk2 = _as("clerk2")
    reason = {"action": "approve", "reason": "核实发票确属重复录入"}
    assert clerk2.post(f"/reviews/{reversal.pk}/", reason).status_code == 302
    slip = Settlement.objects.get(claim_number="DEMO-1")
    assert slip.status == "reversed"
    # The reversed slip names the reviewer, when, and the reviewer's reason.
    page = clerk2.get(f"/claims/settlements/{slip.pk}/").content.decode()
    assert "核实发票确属重复录入" in page and _name("clerk2") in page
    assert clerk2.post(f"/reviews/{certification.pk}/", {"action": "approve"}).status_code == 302
    approved = ChronicCertification.objects.get(person__name="张伟", disease__code="I10")
    assert approved.status == "approved"
    # The decision letter: the clerk who asked is 经办人, the approver 复核人 (not the reverse).
    letter = clerk2.get(f"/claims/certifications/{approved.pk}/decision/").content.decode()
    foot = letter[letter.index('class="document-foot"') :]
    assert re.search(r"经办人：\s*" + re.escape(_name("clerk")), foot), foot[:400]
    assert re.search(r"复核人：\s*" + re.escape(_name("clerk2")), foot), foot[:400]
    done = _as("policy_admin2").post(f"/reviews/{publication.pk}/", {"action": "approve"})
    assert done.status_code == 302
    new = PolicyVersion.objects.get(
        region__code="540000", effective_from=date(date.today().year + 1, 1, 1)
    )
    assert new.document["family_sharing"]["min_residual_balance"] == "2500.00"

    call_command("load_demo", stdout=io.StringIO())  # decided: not asked again
    assert ReviewRequest.objects.count() == 3
    assert not ReviewRequest.objects.filter(status="pending").exists()
