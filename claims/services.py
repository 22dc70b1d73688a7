"""Writes for claims: the chronic/special certification workflow (settlements come next)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment.models import Person
from staff.errors import Conflict, DomainError

from .models import ChronicCertification, Disease, InpatientTotal


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
def certification_approve(*, certification: ChronicCertification, actor=None, reason: str = ""):
    """Approve (认定): the reason, optional as on the review page, is kept as a
    rejection's is, on the certification and in its history, wherever the approval came from."""
    c = _transition(
        certification.pk,
        allowed_from="applied",
        to="approved",
        actor=actor,
        reason=(reason or "").strip(),
    )
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


@transaction.atomic
def inpatient_total_set(
    *, person: Person, year: int, pooled, as_of: date, source: str, actor=None
) -> tuple[InpatientTotal, bool]:
    """Record the inpatient system's report of a person's inpatient pooled total for a year
    (PUT: the report replaces the earlier one; the history keeps it). Returns (row, created)."""
    from decimal import Decimal, InvalidOperation

    from staff import audit

    today = timezone.localdate()
    if year > today.year or year < 1990:
        raise DomainError(_("The year must be between 1990 and this year."), field="year")
    try:
        amount = Decimal(str(pooled))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount such as 1234.56."), field="pooled") from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
        raise DomainError(
            _("The amount must be 0 or more, with at most two decimals."), field="pooled"
        )
    if as_of > today:
        raise DomainError(_("The date is in the future."), field="as_of")
    if as_of.year < year:
        raise DomainError(_("The report date is before the year it reports."), field="as_of")
    if not (source or "").strip():
        raise DomainError(_("Name the report's source (the inpatient system)."), field="source")
    row = InpatientTotal.objects.select_for_update().filter(person=person, year=year).first()
    created = row is None
    if created:
        row = InpatientTotal(person=person, year=year)
    before = None if created else f"{row.pooled:.2f}"
    row.pooled, row.as_of, row.source, row.updated_by = amount, as_of, source.strip()[:200], actor
    row._history_user = actor
    row.save()
    audit.record(
        action="claims.inpatient_total.set",
        obj=row,
        person_id=person.pk,
        amount=amount,
        summary=f"{year} 住院统筹支付累计 {amount:.2f}（{row.source}）",
        changes={"pooled": [before, f"{amount:.2f}"], "as_of": as_of.isoformat()},
        actor=actor,
    )
    return row, created
