"""Reads for enrollment."""

from __future__ import annotations

from datetime import date

from django.db.models import DecimalField, Q, QuerySet

from staff.inputs import searchable_digits
from staff.numbers import format_money
from staff.pinyin import is_initials_query
from staff.templatetags.staff_tags import display_name

from .id_numbers import normalize
from .models import Employer, InpatientStay, Institution, Person


def person_list() -> QuerySet[Person]:
    return Person.objects.select_related("region", "employer")


def person_search(
    *, query: str, region: str | None = None, status: str | None = None
) -> QuerySet[Person]:
    """By full or partial ID number, by pinyin initials (``zs`` finds 张三) or by name (exact
    match first); narrowed by region code and status. Nothing asked, nothing found."""
    query = (query or "").strip()
    if not (query or region or status):
        return Person.objects.none()
    found = person_list()
    if region:
        found = found.filter(region__code=region)
    if status:
        found = found.filter(status=status)
    if not query:
        return found.order_by("name", "id")
    if is_initials_query(query):
        return found.filter(name_initials__startswith=query.lower()).order_by("name", "id")
    number = normalize(searchable_digits(query))
    if number[:-1].isdigit() or number.isdigit():
        return found.filter(id_number__startswith=number)
    return found.filter(Q(name=query) | Q(name__contains=query)).order_by("name", "id")


def _shown(name: str, value):
    """A recorded value as the page shows it: a choice by its label (退休人员, not retiree), a
    related row by its name (an employer, not its id), a date ISO, money with separators."""
    if value in (None, ""):
        return value
    field = Person._meta.get_field(name)
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if field.is_relation:
        row = field.related_model._default_manager.filter(pk=value).first()
        return str(row) if row is not None else value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(field, DecimalField):
        return format_money(value)
    return value


def person_history(*, person: Person) -> list[dict]:
    """Each change with who and when and which fields changed (oldest last)."""
    records = list(person.history.select_related("history_user").order_by("-history_date"))
    changes = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        fields = []
        if older is not None:
            delta = newer.diff_against(older)
            fields = [
                {
                    "field": Person._meta.get_field(c.field).verbose_name,
                    "old": _shown(c.field, c.old),
                    "new": _shown(c.field, c.new),
                }
                for c in delta.changes
            ]
        changes.append(
            {
                "when": newer.history_date,
                "who": display_name(newer.history_user) if newer.history_user else None,
                "type": newer.get_history_type_display(),
                "fields": fields,
            }
        )
    return changes


def employer_list() -> QuerySet[Employer]:
    return Employer.objects.select_related("region")


def institution_list() -> QuerySet[Institution]:
    return Institution.objects.select_related("region")


def _by_code_name_or_initials(found: QuerySet, query: str) -> QuerySet:
    """Code prefix, pinyin-initials prefix (both indexed) or a part of the name."""
    query = (query or "").strip()
    if not query:
        return found
    if query.isascii():
        match = Q(code__istartswith=query)
        if is_initials_query(query):
            match |= Q(name_initials__startswith=query.lower())
        return found.filter(match)
    return found.filter(name__contains=query)


def employer_search(*, query: str = "", region: str | None = None) -> QuerySet[Employer]:
    """Employers by code, name or pinyin initials, in a region if one is given."""
    found = employer_list()
    if region:
        found = found.filter(region__code=region)
    return _by_code_name_or_initials(found, query)


def institution_search(
    *,
    query: str = "",
    region: str | None = None,
    kind: str | None = None,
    designated: bool | None = None,
) -> QuerySet[Institution]:
    """Institutions by code, name or pinyin initials; narrowed by region, kind, designation."""
    found = institution_list()
    if region:
        found = found.filter(region__code=region)
    if kind:
        found = found.filter(kind=kind)
    if designated is not None:
        found = found.filter(designated=designated)
    return _by_code_name_or_initials(found, query)


def inpatient_stays(*, person: Person) -> QuerySet[InpatientStay]:
    return person.inpatient_stays.all()
