"""Reads for claims."""

from datetime import date

from django.db.models import QuerySet

from enrollment.models import Person

from .models import ChronicCertification, Settlement


def certification_list() -> QuerySet[ChronicCertification]:
    return ChronicCertification.objects.select_related("person", "disease", "decided_by")


def approved_certifications(*, person: Person, on: date) -> list[ChronicCertification]:
    """The person's approved certifications covering ``on``."""
    return [
        c for c in certification_list().filter(person=person, status="approved") if c.covers(on)
    ]


def certification_on(*, person: Person, disease_code: str, on: date) -> ChronicCertification | None:
    """The approved certification for ``disease_code`` covering ``on``, if any."""
    code = disease_code.upper()
    return next(
        (c for c in approved_certifications(person=person, on=on) if c.disease.code == code), None
    )


def approved_chronic_count(*, person: Person, on: date) -> int:
    """Approved chronic (not special) diseases covering ``on`` (Yuxi's cap grows with them)."""
    return sum(
        1 for c in approved_certifications(person=person, on=on) if c.disease.kind == "chronic"
    )


def settlement_by_claim_number(*, institution, claim_number: str) -> Settlement | None:
    """The settlement an institution already made under this claim (invoice) number, if any
    (settled or reversed: the number stays taken)."""
    return Settlement.objects.filter(institution=institution, claim_number=claim_number).first()
