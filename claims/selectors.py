"""Reads for claims."""

from datetime import date

from django.db.models import QuerySet

from enrollment.models import Person

from .models import ChronicCertification


def certification_list() -> QuerySet[ChronicCertification]:
    return ChronicCertification.objects.select_related("person", "disease", "decided_by")


def certification_on(*, person: Person, disease_code: str, on: date) -> ChronicCertification | None:
    """The approved certification for ``disease_code`` covering ``on``, if any."""
    for c in certification_list().filter(
        person=person, disease__code=disease_code, status="approved"
    ):
        if c.covers(on):
            return c
    return None


def approved_chronic_count(*, person: Person, on: date) -> int:
    """Approved chronic (not special) diseases covering ``on`` (Yuxi's cap grows with them)."""
    return sum(
        1
        for c in certification_list().filter(
            person=person, status="approved", disease__kind="chronic"
        )
        if c.covers(on)
    )
