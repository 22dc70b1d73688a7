"""Reads for enrollment."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from staff.inputs import searchable_digits

from .id_numbers import normalize
from .models import Employer, InpatientStay, Institution, Person


def person_list() -> QuerySet[Person]:
    return Person.objects.select_related("region", "employer")


def person_search(*, query: str) -> QuerySet[Person]:
    """By full or partial ID number, or by name (exact match first)."""
    query = (query or "").strip()
    if not query:
        return Person.objects.none()
    number = normalize(searchable_digits(query))
    if number[:-1].isdigit() or number.isdigit():
        return person_list().filter(id_number__startswith=number)
    return person_list().filter(Q(name=query) | Q(name__contains=query)).order_by("name", "id")


def person_history(*, person: Person) -> list[dict]:
    """Each change with who and when and which fields changed (oldest last)."""
    records = list(person.history.select_related("history_user").order_by("-history_date"))
    changes = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        fields = []
        if older is not None:
            delta = newer.diff_against(older)
            fields = [
                {"field": Person._meta.get_field(c.field).verbose_name, "old": c.old, "new": c.new}
                for c in delta.changes
            ]
        changes.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "type": newer.get_history_type_display(),
                "fields": fields,
            }
        )
    return changes


def employer_list() -> QuerySet[Employer]:
    return Employer.objects.select_related("region")


def institution_list() -> QuerySet[Institution]:
    return Institution.objects.select_related("region")


def inpatient_stays(*, person: Person) -> QuerySet[InpatientStay]:
    return person.inpatient_stays.all()
