"""Two-person review (经办/复核, issue 19): a large reversal, a certification approval and a
policy publication wait for a second user; the requester (and, for a certification, the clerk
who recorded the application) cannot approve; an approval does the act once, a rejection
changes nothing; with review off the act is immediate; every step is in the audit trail."""

import copy
from datetime import date
from decimal import Decimal as D

import pytest
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import PersonalAccount
from claims.models import Settlement
from claims.services import certification_apply
from policies.models import PolicyDraft, PolicyVersion
from policies.services import policies_load_seeds
from staff.models import AuditEvent, ReviewRequest
from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN
from tests.claims.test_settlement_pages import make_settlements
from tests.factories import EmployerFactory, PersonFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.review]


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def actions(review_id: int) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(object_type="staff.reviewrequest", object_id=str(review_id))
        .order_by("id")
        .values_list("action", "actor_name")
    )


# --- reversals -------------------------------------------------------------------------------


@pytest.fixture
def settled():
    return make_settlements()  # INV-1 1,200.00 (above the default 1,000.00), INV-2 80.00


def _balance(person) -> D:
    return PersonalAccount.objects.get(person=person).balance


def test_the_defaults_are_documented_figures(settings):
    from django.conf import settings as live

    assert D("1000.00") == live.REVIEW_REVERSAL_ABOVE
    assert live.REVIEW_CERTIFICATION_APPROVAL is True
    assert live.REVIEW_POLICY_PUBLICATION is True


def test_large_reversal_waits_for_a_second_user_and_happens_once(settled):
    person, _other, _hospital, made = settled
    big = made[0]
    before = _balance(person)
    clerk = UserFactory(username="jingban", roles=[CLERK])
    asked = api(clerk).post(
        f"/api/v1/claims/{big.pk}/reverse/", {"reason": "重复结算"}, format="json"
    )
    assert asked.status_code == 202, asked.content
    review = asked.json()
    assert (review["kind"], review["status"], review["requested_by"]) == (
        "settlement_reversal",
        "pending",
        "jingban",
    )
    assert review["amount"] == "1200.00" and review["reason"] == "重复结算"
    big.refresh_from_db()
    assert big.status == "settled" and _balance(person) == before  # nothing moved yet
    # Asked twice: refused, still one pending request.
    again = api(clerk).post(f"/api/v1/claims/{big.pk}/reverse/", format="json")
    assert again.status_code == 409
    # The requester cannot approve their own request.
    own = api(clerk).post(f"/api/v1/reviews/{review['id']}/approve/", format="json")
    assert own.status_code == 403 and "另一位用户复核" in own.json()["detail"]
    big.refresh_from_db()
    assert big.status == "settled"
    # An auditor reads the queue, never decides.
    auditor = api(UserFactory(roles=[AUDITOR]))
    assert auditor.get("/api/v1/reviews/", {"status": "pending"}).json()["count"] == 1
    assert auditor.post(f"/api/v1/reviews/{review['id']}/approve/").status_code == 403
    # A policy administrator does not review reversals.
    assert (
        api(UserFactory(roles=[POLICY_ADMIN]))
        .post(f"/api/v1/reviews/{review['id']}/approve/")
        .status_code
        == 403
    )
    fuhe = UserFactory(username="fuhe", roles=[CLERK])
    reviewer = api(fuhe)
    done = reviewer.post(f"/api/v1/reviews/{review['id']}/approve/", {"reason": "核对无误"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "approved" and done.json()["decided_by"] == "fuhe"
    big.refresh_from_db()
    assert big.status == "reversed" and big.reversed_by == clerk  # the 经办人 reversed it
    assert big.reversal_reason == "重复结算"
    after = _balance(person)
    assert after == before + big.account_paid
    # Approved twice (or by a manager as well): the act is not repeated.
    assert reviewer.post(f"/api/v1/reviews/{review['id']}/approve/").status_code == 200
    manager = api(UserFactory(roles=[MANAGER]))
    assert manager.post(f"/api/v1/reviews/{review['id']}/approve/").status_code == 200
    assert _balance(person) == after
    assert AuditEvent.objects.filter(action="claims.settlement.reverse").count() == 1
    assert actions(review["id"]) == [
        ("staff.review.request", "jingban"),
        ("staff.review.approve", "fuhe"),
    ]
    approval = AuditEvent.objects.get(action="staff.review.approve")
    assert approval.changes["reason"] == "核对无误" and approval.amount == D("1200.00")


def test_rejected_reversal_changes_nothing(settled):
    person, _other, _hospital, made = settled
    before = _balance(person)
    clerk = UserFactory(roles=[CLERK])
    review = api(clerk).post(f"/api/v1/claims/{made[0].pk}/reverse/").json()
    reviewer = api(UserFactory(username="kezhang", roles=[MANAGER]))
    no_reason = reviewer.post(f"/api/v1/reviews/{review['id']}/reject/", {"reason": " "})
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    refused = reviewer.post(f"/api/v1/reviews/{review['id']}/reject/", {"reason": "票据齐全"})
    assert refused.status_code == 200 and refused.json()["status"] == "rejected"
    made[0].refresh_from_db()
    assert made[0].status == "settled" and _balance(person) == before
    # A rejected request is not approved afterwards.
    assert reviewer.post(f"/api/v1/reviews/{review['id']}/approve/").status_code == 409
    rejection = AuditEvent.objects.get(action="staff.review.reject")
    assert rejection.actor_name == "kezhang" and rejection.changes["reason"] == "票据齐全"
    # The clerk may ask again after a rejection.
    assert api(clerk).post(f"/api/v1/claims/{made[0].pk}/reverse/").status_code == 202


def test_small_reversal_and_review_off_are_immediate(settled, settings):
    _person, _other, _hospital, made = settled
    clerk = api(UserFactory(roles=[CLERK]))
    small = clerk.post(f"/api/v1/claims/{made[1].pk}/reverse/")  # 80.00 ≤ 1,000.00
    assert small.status_code == 200 and small.json()["status"] == "reversed"
    settings.REVIEW_REVERSAL_ABOVE = None
    big = clerk.post(f"/api/v1/claims/{made[0].pk}/reverse/")
    assert big.status_code == 200 and big.json()["status"] == "reversed"
    assert not ReviewRequest.objects.exists()


def test_withdrawn_request_changes_nothing_and_only_its_requester_withdraws(settled):
    _person, _other, _hospital, made = settled
    clerk = UserFactory(roles=[CLERK])
    review = api(clerk).post(f"/api/v1/claims/{made[0].pk}/reverse/").json()
    other = api(UserFactory(roles=[CLERK]))
    assert other.post(f"/api/v1/reviews/{review['id']}/withdraw/").status_code == 403
    gone = api(clerk).post(f"/api/v1/reviews/{review['id']}/withdraw/", {"reason": "填错"})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    assert other.post(f"/api/v1/reviews/{review['id']}/approve/").status_code == 409
    made[0].refresh_from_db()
    assert made[0].status == "settled"


def test_reversal_pages_ask_review_show_it_on_the_slip_and_the_reviewer_approves(client, settled):
    person, _other, _hospital, made = settled
    big = made[0]
    clerk = UserFactory(username="jingban", first_name="小明", last_name="王", roles=[CLERK])
    client.force_login(clerk)
    form = client.get(f"/claims/settlements/{big.pk}/reverse/").content.decode()
    assert "data-needs-review" in form
    posted = client.post(
        f"/claims/settlements/{big.pk}/reverse/", {"reason": "发票重复录入", "confirm": "on"}
    )
    assert posted.status_code == 302
    review = ReviewRequest.objects.get()
    slip = client.get(f"/claims/settlements/{big.pk}/").content.decode()
    assert f'data-pending-review="{review.pk}"' in slip and "王小明" in slip
    assert f"/claims/settlements/{big.pk}/reverse/" not in slip  # no second request
    assert client.get(f"/claims/settlements/{big.pk}/reverse/").status_code == 302
    # The requester's review page offers no approval, only withdrawal.
    own = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'value="approve"' not in own and 'value="withdraw"' in own
    refused = client.post(f"/reviews/{review.pk}/", {"action": "approve"})
    assert refused.status_code == 400
    big.refresh_from_db()
    assert big.status == "settled"
    # The reviewer's queue and page: the slip to reverse, with its figures.
    client.force_login(UserFactory(username="fuhe", first_name="四", last_name="李", roles=[CLERK]))
    queue = client.get("/reviews/")
    assert queue.status_code == 200 and f'data-review="{review.pk}"' in queue.content.decode()
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-review-object="settlement"' in page and "1,200.00" in page
    assert 'value="approve"' in page and "发票重复录入" in page
    rejected_blank = client.post(f"/reviews/{review.pk}/", {"action": "reject", "reason": ""})
    assert rejected_blank.status_code == 400
    done = client.post(f"/reviews/{review.pk}/", {"action": "approve", "reason": "核对无误"})
    assert done.status_code == 302
    big.refresh_from_db()
    assert big.status == "reversed" and big.reversed_by == clerk
    slip = client.get(f"/claims/settlements/{big.pk}/").content.decode()
    assert "data-pending-review" not in slip and "李四" in slip  # reviewed by, on the slip
    # Auditors read the queue and the review, and cannot post a decision.
    client.force_login(UserFactory(roles=[AUDITOR]))
    assert client.get(f"/reviews/{review.pk}/").status_code == 200
    assert client.post(f"/reviews/{review.pk}/", {"action": "approve"}).status_code == 403


# --- certification approvals -----------------------------------------------------------------


@pytest.fixture
def applied():
    policies_load_seeds()
    from policies.models import Region

    region = Region.objects.get(code="530400")
    person = PersonFactory(region=region, employer=EmployerFactory(code="YX1", region=region))
    applicant = UserFactory(username="shouli", roles=[CLERK])
    certification = certification_apply(
        person=person, disease_code="E11", valid_from=date(2026, 1, 1), actor=applicant
    )
    return certification, applicant


def test_certification_approval_needs_a_clerk_other_than_the_applicant(applied):
    certification, applicant = applied
    asked = api(applicant).post(f"/api/v1/chronic-certifications/{certification.pk}/approve/")
    assert asked.status_code == 202 and asked.json()["kind"] == "certification_approval"
    certification.refresh_from_db()
    assert certification.status == "applied"
    review_id = asked.json()["id"]
    assert api(applicant).post(f"/api/v1/reviews/{review_id}/approve/").status_code == 403
    reviewer = UserFactory(username="shenhe", roles=[CLERK])
    client = api(reviewer)
    assert client.post(f"/api/v1/reviews/{review_id}/approve/").status_code == 200
    assert client.post(f"/api/v1/reviews/{review_id}/approve/").status_code == 200  # once
    certification.refresh_from_db()
    assert certification.status == "approved" and certification.decided_by == reviewer
    assert actions(review_id) == [
        ("staff.review.request", "shouli"),
        ("staff.review.approve", "shenhe"),
    ]


def test_the_applicant_cannot_approve_anothers_request_either(applied):
    certification, applicant = applied
    asker = UserFactory(roles=[CLERK])
    review = api(asker).post(f"/api/v1/chronic-certifications/{certification.pk}/approve/").json()
    refused = api(applicant).post(f"/api/v1/reviews/{review['id']}/approve/")
    assert (
        refused.status_code == 403 and "受理该认定申请的经办人不能审批" in refused.json()["detail"]
    )
    rejected = api(UserFactory(roles=[MANAGER])).post(
        f"/api/v1/reviews/{review['id']}/reject/", {"reason": "材料不全"}
    )
    assert rejected.status_code == 200
    certification.refresh_from_db()
    assert certification.status == "applied"  # nothing changed: it may be decided again


def test_certification_review_off_approves_at_once(applied, settings):
    settings.REVIEW_CERTIFICATION_APPROVAL = False
    certification, applicant = applied
    done = api(applicant).post(f"/api/v1/chronic-certifications/{certification.pk}/approve/")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    assert not ReviewRequest.objects.exists()


def test_certification_page_asks_for_review_and_shows_it(client, applied):
    certification, applicant = applied
    client.force_login(applicant)
    client.post(
        f"/claims/certifications/{certification.pk}/decide/", {"action": "approve", "reason": ""}
    )
    certification.refresh_from_db()
    assert certification.status == "applied"
    review = ReviewRequest.objects.get()
    listed = client.get("/claims/certifications/").content.decode()
    assert f'data-pending-review="{review.pk}"' in listed
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-review-object="certification"' in page and 'value="approve"' not in page
    # An open-ended period reads 长期 as on the certification's documents (it read "– …").
    assert "2026-01-01 – 长期" in page


def test_an_approval_from_the_list_keeps_its_reason_through_the_review(client, applied):
    # The list's approve button takes the reason typed beside it, as the review page's
    # approval does; it goes with the request and becomes the approval's reason.
    certification, applicant = applied
    client.force_login(applicant)
    listed = client.get("/claims/certifications/").content.decode()
    form = listed.split(f'action="/claims/certifications/{certification.pk}/decide/"')[1]
    form = form.split("</form>")[0]
    assert form.index('name="reason"') < form.index('value="approve"') < form.index('"reject"')
    client.post(
        f"/claims/certifications/{certification.pk}/decide/",
        {"action": "approve", "reason": "材料齐全，符合认定标准"},
    )
    review = ReviewRequest.objects.get()
    assert review.reason == "材料齐全，符合认定标准"
    client.force_login(UserFactory(roles=[CLERK]))
    client.post(f"/reviews/{review.pk}/", {"action": "approve", "reason": "同意"})
    certification.refresh_from_db()
    assert (certification.status, certification.reason) == ("approved", "材料齐全，符合认定标准")


# --- policy publications ---------------------------------------------------------------------


def _body(effective_from="2027-01-01"):
    current = PolicyVersion.objects.get(region__code="540000")
    document = copy.deepcopy(current.document)
    document["family_sharing"]["min_residual_balance"] = "2500.00"
    return {"effective_from": effective_from, "source": "藏医保发〔2026〕1号", "document": document}


@pytest.fixture
def seeded():
    policies_load_seeds()


def test_publication_waits_for_another_policy_administrator(seeded):
    author = UserFactory(username="zhengce1", roles=[POLICY_ADMIN])
    asked = api(author).post("/api/v1/regions/540000/policies/", _body(), format="json")
    assert asked.status_code == 202, asked.content
    review_id = asked.json()["id"]
    assert PolicyVersion.objects.filter(region__code="540000").count() == 1  # not in force
    # Refused at once when publishing would be refused: nothing to review.
    bad = api(author).post("/api/v1/regions/540000/policies/", _body("2022-01-01"), format="json")
    assert bad.status_code == 409 and ReviewRequest.objects.count() == 1
    assert api(author).post(f"/api/v1/reviews/{review_id}/approve/").status_code == 403
    assert (
        api(UserFactory(roles=[CLERK])).post(f"/api/v1/reviews/{review_id}/approve/").status_code
        == 403
    )
    reviewer = api(UserFactory(username="zhengce2", roles=[POLICY_ADMIN]))
    done = reviewer.post(f"/api/v1/reviews/{review_id}/approve/")
    assert done.status_code == 200, done.content
    assert reviewer.post(f"/api/v1/reviews/{review_id}/approve/").status_code == 200
    versions = PolicyVersion.objects.filter(region__code="540000")
    assert versions.count() == 2
    new = versions.get(effective_from=date(2027, 1, 1))
    assert new.created_by == author and done.json()["result"] == {"version": new.pk}
    assert new.document["family_sharing"]["min_residual_balance"] == "2500.00"


def test_rejected_publication_changes_nothing_and_review_off_publishes(seeded, settings):
    author = UserFactory(roles=[POLICY_ADMIN])
    review = api(author).post("/api/v1/regions/540000/policies/", _body(), format="json").json()
    rejected = api(UserFactory(roles=[POLICY_ADMIN])).post(
        f"/api/v1/reviews/{review['id']}/reject/", {"reason": "文号有误"}
    )
    assert rejected.status_code == 200
    assert PolicyVersion.objects.filter(region__code="540000").count() == 1
    settings.REVIEW_POLICY_PUBLICATION = False
    published = api(author).post("/api/v1/regions/540000/policies/", _body(), format="json")
    assert published.status_code == 201


def test_draft_publication_under_review_and_the_review_page_shows_the_diff(seeded, client):
    author = UserFactory(roles=[POLICY_ADMIN])
    draft = api(author).post("/api/v1/regions/540000/drafts/", _body(), format="json").json()
    asked = api(author).post(f"/api/v1/regions/540000/drafts/{draft['id']}/publish/")
    assert asked.status_code == 202
    review = ReviewRequest.objects.get()
    client.force_login(author)
    region_page = client.get("/policies/540000/").content.decode()
    assert f'data-pending-review="{review.pk}"' in region_page
    reviewer = UserFactory(roles=[POLICY_ADMIN])
    client.force_login(reviewer)
    page = client.get(f"/reviews/{review.pk}/").content.decode()
    assert 'data-path="family_sharing.min_residual_balance"' in page
    assert "2500.00" in page.replace(",", "") and "3000.00" in page.replace(",", "")
    assert client.post(f"/reviews/{review.pk}/", {"action": "approve"}).status_code == 302
    assert not PolicyDraft.objects.exists()
    assert PolicyVersion.objects.filter(region__code="540000").count() == 2
    # The decided review's page still opens (the draft is gone).
    assert client.get(f"/reviews/{review.pk}/").status_code == 200


def test_a_failing_act_leaves_the_request_pending(settled):
    """The act and its approval are one transaction: an act its service refuses leaves the
    request pending (and nothing else written)."""
    _person, _other, _hospital, made = settled
    review = api(UserFactory(roles=[CLERK])).post(f"/api/v1/claims/{made[0].pk}/reverse/").json()
    # Reversed meanwhile by its institution (never held for review).
    Settlement.objects.filter(pk=made[0].pk).update(status="reversed")
    failed = api(UserFactory(roles=[CLERK])).post(f"/api/v1/reviews/{review['id']}/approve/")
    assert failed.status_code == 409
    assert ReviewRequest.objects.get().status == "pending"
    assert not AuditEvent.objects.filter(action="staff.review.approve").exists()


def test_audit_trail_labels_review_events(settled, client):
    _person, _other, _hospital, made = settled
    review = (
        api(UserFactory(roles=[CLERK]))
        .post(f"/api/v1/claims/{made[0].pk}/reverse/", {"reason": "重复"})
        .json()
    )
    api(UserFactory(roles=[MANAGER])).post(
        f"/api/v1/reviews/{review['id']}/reject/", {"reason": "不予撤销"}
    )
    client.force_login(UserFactory(roles=[AUDITOR]))
    page = client.get("/audit/", {"category": "review"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "settlement_reversal" not in html and "不予撤销" in html
    assert page.context["page"].paginator.count == 2
    assert f'href="/reviews/{review["id"]}/"' in html  # each event links to its review


def test_an_institutions_own_reversal_is_never_held(settled):
    from enrollment.models import InstitutionUser

    _person, _other, hospital, made = settled
    user = UserFactory(roles=["institution"])
    InstitutionUser.objects.create(user=user, institution=hospital)
    done = api(user).post(f"/api/v1/claims/{made[0].pk}/reverse/")  # 1,200.00
    assert done.status_code == 200 and done.json()["status"] == "reversed"
    assert not ReviewRequest.objects.exists()


def test_a_deleted_draft_refuses_the_approval_and_the_request_stays_pending(seeded):
    author = UserFactory(roles=[POLICY_ADMIN])
    draft = api(author).post("/api/v1/regions/540000/drafts/", _body(), format="json").json()
    review = api(author).post(f"/api/v1/regions/540000/drafts/{draft['id']}/publish/").json()
    assert api(author).delete(f"/api/v1/regions/540000/drafts/{draft['id']}/").status_code == 204
    failed = api(UserFactory(roles=[POLICY_ADMIN])).post(f"/api/v1/reviews/{review['id']}/approve/")
    assert failed.status_code == 409 and ReviewRequest.objects.get().status == "pending"
    assert PolicyVersion.objects.filter(region__code="540000").count() == 1


@pytest.mark.parametrize(("language", "title"), [("zh-hans", "#%s：结算撤销"), ("en", "#%s: ")])
def test_the_review_pages_title_takes_the_readers_colon(settled, client, language, title):
    # The English title read "Review #1：Policy publication".
    big = settled[3][0]
    asked = api(UserFactory(roles=[CLERK])).post(
        f"/api/v1/claims/{big.pk}/reverse/", {"reason": "重复结算"}, format="json"
    )
    review_id = asked.json()["id"]
    client.force_login(UserFactory(roles=[MANAGER]))
    # The reader's language for these requests only (the middleware activates it in
    # this thread; later tests read messages in the default language).
    with translation.override(language):
        client.cookies["django_language"] = language
        html = client.get(f"/reviews/{review_id}/").content.decode()
        heading = html.split("<h1>", 1)[1].split("</h1>", 1)[0]
        assert title % review_id in heading
