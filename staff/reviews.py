"""Two-person review (经办/复核) of the acts that move money or rules after the fact.

One user asks for an act (``review_request``): a reversal, a certification's approval, a
policy publication. Nothing changes until a second user approves (``review_approve``); the act
is then carried out by its own app's service, in the approval's transaction (the review row is
locked first, then the service takes its own locks as it always does), so an approval and its
act are written together or not at all, and a second approval finds the request decided and
does nothing. A rejection (with its reason) changes nothing but the request; the requester may
withdraw a request still pending. Every step is an audit event with its reason.

``staff`` imports no domain app: each app registers its kinds (``register``) at start-up with
how to carry the act out, who may not review it besides the requester, and what the review page
shows. Which acts need a review is each app's decision, from the settings
``REVIEW_REVERSAL_ABOVE``, ``REVIEW_CERTIFICATION_APPROVAL`` and ``REVIEW_POLICY_PUBLICATION``.

Who may review: a different signed-in user holding one of the act's reviewer roles — the role
that does the act or the one that supervises it. Reversals and certification approvals: clerks
(经办人员) and managers (管理人员); policy publications: policy administrators. Auditors read the
queue and never decide.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import Conflict, DomainError, Forbidden
from .models import ReviewRequest
from .roles import AUDITOR, CLERK, MANAGER, user_has_role


@dataclass(frozen=True)
class Act:
    """How one kind of reviewed act is carried out and shown (registered by its app)."""

    kind: str
    # Carries the act out with the app's own service; returns what it produced (for the record).
    perform: Callable[[ReviewRequest, Any], dict]
    reviewer_roles: tuple[str, ...]
    # Users who may not review besides the requester (a certification's applicant).
    barred: Callable[[ReviewRequest], set[int]] = field(default=lambda review: set())
    # The review page's part: ``(template, context)`` showing exactly what will be done.
    describe: Callable[[ReviewRequest], tuple[str, dict]] | None = None
    # The object's own page.
    object_url: Callable[[ReviewRequest], str] | None = None


_ACTS: dict[str, Act] = {}


def register(act: Act) -> None:
    _ACTS[act.kind] = act


def act_of(kind: str) -> Act:
    return _ACTS[kind]


def registered_kinds() -> set[str]:
    return set(_ACTS)


def refusal(review: ReviewRequest, user) -> str | None:
    """Why ``user`` may not decide ``review`` (None: they may)."""
    if not getattr(user, "is_authenticated", False):
        return _("Sign in to review.")
    if review.requested_by_id == user.pk:
        return _("You asked for this; another user must review it.")
    act = act_of(review.kind)
    if user.pk in act.barred(review):
        return _("The clerk who recorded the application cannot approve it; another user must.")
    if not user_has_role(user, *act.reviewer_roles):
        return _("Your role does not review this kind of request.")
    return None


def _audit(review: ReviewRequest, action: str, actor, reason: str, **extra) -> None:
    audit.record(
        action=action,
        obj=review,
        person_id=review.person_id,
        amount=review.amount,
        summary=f"{review.get_kind_display()}：{review.summary}"
        + (f"（{_('Reason')}：{reason}）" if reason else ""),
        changes={
            "kind": review.kind,
            "status": review.status,
            **({"reason": reason} if reason else {}),
            **extra,
        },
        actor=actor,
    )


@transaction.atomic
def review_request(
    *,
    kind: str,
    actor,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    person_id: int | None = None,
    amount: Decimal | None = None,
    summary: str = "",
    payload: dict | None = None,
    reason: str = "",
) -> ReviewRequest:
    """Ask for an act to be reviewed; nothing else changes. A second pending request for the
    same act on the same object is refused (409)."""
    if kind not in _ACTS:
        raise DomainError(_("Unknown kind of review."), field="kind")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    review = ReviewRequest(
        kind=kind,
        object_type=object_type,
        object_id=str(object_id),
        person_id=person_id,
        amount=amount,
        summary=summary[:300],
        payload=audit.jsonable(payload or {}),
        reason=(reason or "").strip()[:200],
        requested_by=actor,
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:
        raise Conflict(
            _("This is already awaiting review; it cannot be asked for twice.")
        ) from None
    _audit(review, "staff.review.request", actor, review.reason)
    return review


def _locked(review: ReviewRequest) -> ReviewRequest:
    return ReviewRequest.objects.select_for_update().get(pk=review.pk)


def _decided_conflict(review: ReviewRequest) -> Conflict:
    return Conflict(
        _("This request is already %(status)s; it cannot be decided again.")
        % {"status": review.get_status_display()}
    )


@transaction.atomic
def review_approve(*, review: ReviewRequest, actor, reason: str = "") -> tuple[ReviewRequest, bool]:
    """Approve and carry the act out, once. Returns (review, done now); an approved request
    approved again is returned as it is (the act is not repeated)."""
    r = _locked(review)
    if r.status == ReviewRequest.Status.APPROVED:
        return r, False
    if r.status != ReviewRequest.Status.PENDING:
        raise _decided_conflict(r)
    why = refusal(r, actor)
    if why:
        raise Forbidden(why)
    r.result = audit.jsonable(act_of(r.kind).perform(r, actor) or {})
    r.status = ReviewRequest.Status.APPROVED
    r.decided_by, r.decided_at = actor, timezone.now()
    r.decision_reason = (reason or "").strip()[:200]
    r.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "result"])
    _audit(r, "staff.review.approve", actor, r.decision_reason)
    return r, True


@transaction.atomic
def review_reject(*, review: ReviewRequest, actor, reason: str) -> ReviewRequest:
    """Refuse the act, with the reason; nothing else changes."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise DomainError(_("Give the reason for refusing the request."), field="reason")
    r = _locked(review)
    if r.status != ReviewRequest.Status.PENDING:
        raise _decided_conflict(r)
    why = refusal(r, actor)
    if why:
        raise Forbidden(why)
    r.status = ReviewRequest.Status.REJECTED
    r.decided_by, r.decided_at, r.decision_reason = actor, timezone.now(), reason
    r.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(r, "staff.review.reject", actor, reason)
    return r


@transaction.atomic
def review_withdraw(*, review: ReviewRequest, actor, reason: str = "") -> ReviewRequest:
    """The requester takes a pending request back; nothing else changes."""
    r = _locked(review)
    if r.status != ReviewRequest.Status.PENDING:
        raise _decided_conflict(r)
    if r.requested_by_id != getattr(actor, "pk", None):
        raise Forbidden(_("Only the user who asked for it may withdraw a request."))
    r.status = ReviewRequest.Status.WITHDRAWN
    r.decided_by, r.decided_at = actor, timezone.now()
    r.decision_reason = (reason or "").strip()[:200]
    r.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _audit(r, "staff.review.withdraw", actor, r.decision_reason)
    return r


# --- reads -----------------------------------------------------------------------------------


def reviews(*, status: str | None = None, kind: str | None = None):
    qs = ReviewRequest.objects.select_related("requested_by", "decided_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


# The roles whose work is about people (``staff.permissions_matrix.PEOPLE``): a request about a
# person (a reversal of their settlement, the approval of their certification: a disease) is
# theirs to read. Others (policy administrators) read the requests about no person (policy
# publications) and their own.
PEOPLE_ROLES = (CLERK, MANAGER, AUDITOR)


def reviews_visible_to(user, *, status: str | None = None, kind: str | None = None):
    qs = reviews(status=status, kind=kind)
    if user_has_role(user, *PEOPLE_ROLES):
        return qs
    return qs.filter(Q(person_id__isnull=True) | Q(requested_by_id=user.pk))


def pending_reviews_of(*, object_type: str, object_ids) -> dict[str, ReviewRequest]:
    """The pending request of each object (by id as text), for the objects' pages."""
    rows = reviews(status=ReviewRequest.Status.PENDING).filter(
        object_type=object_type, object_id__in=[str(i) for i in object_ids]
    )
    return {r.object_id: r for r in rows}


def latest_review_of(*, kind: str, object_type: str, object_id) -> ReviewRequest | None:
    return (
        reviews(kind=kind)
        .filter(object_type=object_type, object_id=str(object_id))
        .order_by("-requested_at", "-id")
        .first()
    )


def object_url(review: ReviewRequest) -> str:
    act = _ACTS.get(review.kind)
    if act is None or act.object_url is None:
        return ""
    try:
        return act.object_url(review)
    except Exception:  # noqa: BLE001 - the object is gone (a published draft): no link
        return ""
