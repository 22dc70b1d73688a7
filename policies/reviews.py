"""Policy publication under two-person review (经办/复核, ``staff.reviews``): while
``REVIEW_POLICY_PUBLICATION`` is on, a policy administrator's publication (a version, a fill or
a draft) is checked as publishing checks it, then waits for another policy administrator's
approval; the approval publishes it with ``policy_version_publish`` / ``draft_publish``, the
same checks again under the region's lock (settlements made meanwhile may refuse it then)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from staff import reviews
from staff.errors import Conflict
from staff.models import ReviewRequest
from staff.roles import POLICY_ADMIN

from .models import PolicyDraft, Region
from .services import (
    _validate_source,
    document_check,
    draft_publish,
    policy_version_publish,
    publish_plan,
)

PUBLICATION = ReviewRequest.Kind.POLICY_PUBLICATION
REGION_TYPE = "policies.region"


def publication_needs_review() -> bool:
    return bool(getattr(settings, "REVIEW_POLICY_PUBLICATION", False))


def _check(region: Region, data: dict) -> None:
    """What publishing would refuse, refused now (400/409), so a reviewer sees only
    publications that can be made."""
    _validate_source(data["source"], data["effective_from"], data.get("effective_to"))
    document_check(
        region=region,
        effective_from=data["effective_from"],
        effective_to=data.get("effective_to"),
        document=data["document"],
    )
    publish_plan(
        region=region,
        effective_from=data["effective_from"],
        effective_to=data.get("effective_to"),
        document=data["document"],
    )


def publication_request(
    *,
    region: Region,
    actor,
    effective_from: date,
    source: str,
    document,
    effective_to: date | None = None,
    draft: PolicyDraft | None = None,
    reason: str = "",
) -> ReviewRequest:
    data = {
        "effective_from": effective_from,
        "effective_to": effective_to,
        "source": source,
        "document": document,
    }
    _check(region, data)
    payload = {**data, "source": source.strip()}
    if draft is not None:
        payload["draft"] = draft.pk
    end = effective_to.isoformat() if effective_to else "…"
    return reviews.review_request(
        kind=PUBLICATION,
        actor=actor,
        object_type=REGION_TYPE,
        object_id=region.code,
        summary=f"{region.name} {effective_from.isoformat()}–{end} {source.strip()}",
        payload=payload,
        reason=reason,
    )


def draft_publication_request(*, draft: PolicyDraft, actor, reason: str = "") -> ReviewRequest:
    return publication_request(
        region=draft.region,
        actor=actor,
        effective_from=draft.effective_from,
        effective_to=draft.effective_to,
        source=draft.source,
        document=draft.document,
        draft=draft,
        reason=reason,
    )


def payload_data(review: ReviewRequest) -> dict:
    p = review.payload
    return {
        "effective_from": date.fromisoformat(p["effective_from"]),
        "effective_to": date.fromisoformat(p["effective_to"]) if p.get("effective_to") else None,
        "source": p["source"],
        "document": p["document"],
    }


def _perform(review: ReviewRequest, reviewer) -> dict:
    # The administrator who asked is the version's author; the reviewer is on the review.
    region = Region.objects.get(code=review.object_id)
    draft_id = review.payload.get("draft")
    if draft_id is not None:
        draft = PolicyDraft.objects.select_related("region").filter(pk=draft_id, region=region)
        draft = draft.first()
        if draft is None:  # deleted while the request waited: nothing to publish
            raise Conflict(_("The draft was deleted; reject this request."))
        version = draft_publish(draft=draft, created_by=review.requested_by)
    else:
        version = policy_version_publish(
            region=region, created_by=review.requested_by, **payload_data(review)
        )
    return {"version": version.pk}


def _describe(review: ReviewRequest) -> tuple[str, dict]:
    from .views import _preview  # the publish page's own diff: what the reviewer approves

    region = Region.objects.get(code=review.object_id)
    data = payload_data(review)
    preview = _preview(region, data) if review.status == "pending" else None
    return "policies/_review_publication.html", {
        "region": region,
        "data": data,
        "preview": preview,
        "version_id": (review.result or {}).get("version"),
        "draft_id": review.payload.get("draft"),
    }


def register() -> None:
    reviews.register(
        reviews.Act(
            kind=PUBLICATION,
            perform=_perform,
            reviewer_roles=(POLICY_ADMIN,),
            describe=_describe,
            object_url=lambda r: reverse("policies:region_detail", args=[r.object_id]),
        )
    )
