"""The claims acts under two-person review (经办/复核, ``staff.reviews``): reversing a settlement
by bureau staff above ``REVIEW_REVERSAL_ABOVE``, and approving a chronic/special certification
while ``REVIEW_CERTIFICATION_APPROVAL`` is on (neither the clerk who asked for the approval nor the
clerk who recorded the application may approve it).

An institution's own reversal from its HIS (the API as an institution client, the national
interface) is not held for review: the platform's interface has no pending state, and the
institution reverses its own counter transaction. The settings decide; with review off the
act happens at once, as before."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from staff import reviews
from staff.errors import Conflict
from staff.models import ReviewRequest
from staff.roles import CLERK, INSTITUTION, MANAGER, user_has_role

from .models import ChronicCertification, Settlement
from .services import certification_approve
from .settlement import settlement_reverse

REVERSAL = ReviewRequest.Kind.SETTLEMENT_REVERSAL
CERTIFICATION = ReviewRequest.Kind.CERTIFICATION_APPROVAL
SETTLEMENT_TYPE = "claims.settlement"
CERTIFICATION_TYPE = "claims.chroniccertification"


# --- reversals -------------------------------------------------------------------------------


def reversal_needs_review(*, settlement: Settlement, user) -> bool:
    above = getattr(settings, "REVIEW_REVERSAL_ABOVE", None)
    if above is None:
        return False
    if user_has_role(user, INSTITUTION) and not user_has_role(user, CLERK):
        return False
    return settlement.total_amount > above


def reversal_request(*, settlement: Settlement, actor, reason: str = "") -> ReviewRequest:
    """Ask for a reversal; the settlement stays settled until a reviewer approves."""
    if settlement.status == Settlement.Status.REVERSED:
        raise Conflict(_("This settlement has already been reversed."))
    return reviews.review_request(
        kind=REVERSAL,
        actor=actor,
        obj=settlement,
        person_id=settlement.person_id,
        amount=settlement.total_amount,
        summary=f"撤销 {settlement.institution.name} {settlement.claim_number}",
        payload={"claim_number": settlement.claim_number, "reason": reason},
        reason=reason,
    )


def _perform_reversal(review: ReviewRequest, reviewer) -> dict:
    # The clerk who asked is the one who reversed (经办人); the reviewer is on the review.
    settlement = Settlement.objects.get(pk=int(review.object_id))
    s = settlement_reverse(
        settlement=settlement, actor=review.requested_by, reason=review.payload.get("reason", "")
    )
    return {"status": s.status}


def _describe_reversal(review: ReviewRequest) -> tuple[str, dict]:
    s = Settlement.objects.select_related("person", "institution", "account_holder").get(
        pk=int(review.object_id)
    )
    return "claims/_review_reversal.html", {"s": s}


# --- certification approvals -----------------------------------------------------------------


def certification_needs_review() -> bool:
    return bool(getattr(settings, "REVIEW_CERTIFICATION_APPROVAL", False))


def certification_approval_request(
    *, certification: ChronicCertification, actor, reason: str = ""
) -> ReviewRequest:
    if certification.status != ChronicCertification.Status.APPLIED:
        raise Conflict(
            _("The certification is %(status)s; it cannot become %(to)s.")
            % {"status": certification.get_status_display(), "to": "approved"}
        )
    person = certification.person
    return reviews.review_request(
        kind=CERTIFICATION,
        actor=actor,
        obj=certification,
        person_id=person.pk,
        summary=f"{person.name} {certification.disease}",
        payload={
            "disease_code": certification.disease.code,
            "valid_from": certification.valid_from,
            "valid_to": certification.valid_to,
        },
        reason=reason,
    )


def _perform_certification(review: ReviewRequest, reviewer) -> dict:
    # The reviewer is the one who approves (审核人): the certification's decided_by.
    # The reason the clerk gave when asking for the approval is the approval's reason, as
    # when a clerk approves at once (the reviewer's own reason stays on the review).
    certification = ChronicCertification.objects.get(pk=int(review.object_id))
    c = certification_approve(certification=certification, actor=reviewer, reason=review.reason)
    return {"status": c.status}


def _barred_certification(review: ReviewRequest) -> set[int]:
    applicant = (
        ChronicCertification.objects.filter(pk=int(review.object_id))
        .values_list("created_by_id", flat=True)
        .first()
    )
    return {applicant} if applicant else set()


def _describe_certification(review: ReviewRequest) -> tuple[str, dict]:
    c = ChronicCertification.objects.select_related("person", "disease", "created_by").get(
        pk=int(review.object_id)
    )
    return "claims/_review_certification.html", {"c": c}


def register() -> None:
    reviews.register(
        reviews.Act(
            kind=REVERSAL,
            perform=_perform_reversal,
            reviewer_roles=(CLERK, MANAGER),
            describe=_describe_reversal,
            object_url=lambda r: reverse("claims:settlement_slip", args=[int(r.object_id)]),
        )
    )
    reviews.register(
        reviews.Act(
            kind=CERTIFICATION,
            perform=_perform_certification,
            reviewer_roles=(CLERK, MANAGER),
            barred=_barred_certification,
            describe=_describe_certification,
            object_url=lambda r: (
                reverse("claims:certification_list") + f"?status=all#c{r.object_id}"
            ),
        )
    )
