"""Writes for claims: the chronic/special certification workflow (settlements come next)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Person
from staff.errors import Conflict, DomainError

from .models import ChronicCertification, Disease


def _save(certification: ChronicCertification, actor) -> None:
    certification._history_user = actor
    certification.save()


@transaction.atomic
def certification_apply(
    *,
    person: Person,
    disease_code: str,
    valid_from: date,
    valid_to: date | None = None,
    actor=None,
) -> ChronicCertification:
    """Record an application (申请认定) for a chronic or special disease."""
    disease = Disease.objects.filter(code=(disease_code or "").strip().upper()).first()
    if disease is None:
        raise DomainError(
            _("Unknown disease code “%(code)s”.") % {"code": disease_code}, field="disease_code"
        )
    if person.scheme != "employee":
        raise DomainError(
            _("Chronic and special outpatient benefits are for the employee scheme."),
            field="person",
        )
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("valid_to is before valid_from."), field="valid_to")
    certification = ChronicCertification(
        person=person,
        disease=disease,
        valid_from=valid_from,
        valid_to=valid_to,
        created_by=actor,
    )
    try:
        with transaction.atomic():
            _save(certification, actor)
    except IntegrityError:
        raise Conflict(
            _("%(person)s already has an open certification for %(disease)s.")
            % {"person": person.name, "disease": disease}
        ) from None
    return certification


def _transition(certification_id: int, *, allowed_from: str, to: str, actor, reason: str = ""):
    certification = ChronicCertification.objects.select_for_update().get(pk=certification_id)
    if certification.status != allowed_from:
        raise Conflict(
            _("The certification is %(status)s; it cannot become %(to)s.")
            % {"status": certification.get_status_display(), "to": to}
        )
    certification.status = to
    certification.decided_by = actor
    certification.decided_at = timezone.now()
    if reason:
        certification.reason = reason[:200]
    return certification


@transaction.atomic
def certification_approve(*, certification: ChronicCertification, actor=None):
    c = _transition(certification.pk, allowed_from="applied", to="approved", actor=actor)
    _save(c, actor)
    return c


@transaction.atomic
def certification_reject(*, certification: ChronicCertification, reason: str, actor=None):
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the rejection."), field="reason")
    c = _transition(
        certification.pk, allowed_from="applied", to="rejected", actor=actor, reason=reason
    )
    _save(c, actor)
    return c


@transaction.atomic
def certification_revoke(
    *, certification: ChronicCertification, reason: str, actor=None, on: date | None = None
):
    """Revoke an approved certification (取消认定); it stops covering visits after ``on``."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the revocation."), field="reason")
    c = _transition(
        certification.pk, allowed_from="approved", to="revoked", actor=actor, reason=reason
    )
    end = on or timezone.localdate()
    c.valid_to = end if c.valid_to is None else min(c.valid_to, end)
    if c.valid_to < c.valid_from:
        c.valid_to = c.valid_from
    _save(c, actor)
    return c
