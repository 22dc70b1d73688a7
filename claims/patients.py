"""An institution's patients (个人信息保护法 第二十八条: least privilege).

An institution's API client reads what settling needs about the persons who come to it, not
about anyone whose id it cares to try. A person is the institution's patient once it has
identified them by their card, the ID number the patient presents (the REST person lookup,
the national interface's 1101), or has settled a claim for them. Each identification is an
audit event (who looked whom up, from where), which is also the record this check reads: the
trail keeps it, and ``staff`` stays free of the domain apps.
"""

from staff import audit
from staff.models import AuditEvent

from .models import Settlement

LOOKUP_ACTION = "enrollment.person.lookup"
_INSTITUTION = "enrollment.institution"


def patient_lookup_record(*, institution_id: int, person_id: int, via: str) -> None:
    """The institution identified the person by their ID number (``via``: the interface)."""
    audit.record(
        action=LOOKUP_ACTION,
        object_type=_INSTITUTION,
        object_id=institution_id,
        person_id=person_id,
        summary=via,
    )


def is_patient(*, institution_id: int, person_id: int) -> bool:
    if Settlement.objects.filter(institution_id=institution_id, person_id=person_id).exists():
        return True
    return AuditEvent.objects.filter(
        person_id=person_id,
        action=LOOKUP_ACTION,
        object_type=_INSTITUTION,
        object_id=str(institution_id),
    ).exists()
