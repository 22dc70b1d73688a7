"""Writes for enrollment: employers, institutions, persons, retirements, inpatient stays.

Each service validates with the model's rules (``full_clean``), saves with the acting user
recorded in the history, and runs in one transaction: a refusal writes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from policies.models import Region
from staff.errors import DomainError

from .models import Employer, InpatientStay, Institution, Person
from .signals import person_saved

PERSON_EDITABLE = {
    "name",
    "region",
    "scheme",
    "category",
    "employment",
    "employer",
    "contribution_base",
    "retirement_date",
    "rule_group",
    "benefits_from",
    "status",
}


def _save(instance, *, actor, unique_field: str, unique_message: str) -> None:
    instance.full_clean()
    instance._history_user = actor
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        # Two clerks registering the same number at once: the unique index decides.
        raise DomainError(unique_message, field=unique_field) from exc


@transaction.atomic
def employer_create(*, code: str, name: str, region: Region, actor=None) -> Employer:
    employer = Employer(code=code.strip(), name=name.strip(), region=region)
    if Employer.objects.filter(code=employer.code).exists():
        raise DomainError(
            _("Employer code %(code)s is already registered.") % {"code": code}, field="code"
        )
    _save(
        employer,
        actor=actor,
        unique_field="code",
        unique_message=_("Employer code %(code)s is already registered.") % {"code": code},
    )
    return employer


@transaction.atomic
def employer_update(*, employer: Employer, data: dict[str, Any], actor=None) -> Employer:
    for field in ("name", "region"):
        if field in data:
            setattr(employer, field, data[field])
    _save(employer, actor=actor, unique_field="code", unique_message=_("Duplicate employer."))
    return employer


@transaction.atomic
def institution_create(
    *,
    code: str,
    name: str,
    region: Region,
    kind: str,
    level: str | None = None,
    designated: bool = True,
    specialist: bool = False,
    actor=None,
) -> Institution:
    message = _("Institution code %(code)s is already registered.") % {"code": code}
    if Institution.objects.filter(code=code.strip()).exists():
        raise DomainError(message, field="code")
    institution = Institution(
        code=code.strip(),
        name=name.strip(),
        region=region,
        kind=kind,
        level=level or None,
        designated=designated,
        specialist=specialist,
    )
    _save(institution, actor=actor, unique_field="code", unique_message=message)
    return institution


@transaction.atomic
def institution_update(*, institution: Institution, data: dict[str, Any], actor=None):
    for field in ("name", "region", "kind", "level", "designated", "specialist"):
        if field in data:
            setattr(institution, field, data[field] if field != "level" else data[field] or None)
    _save(institution, actor=actor, unique_field="code", unique_message=_("Duplicate institution."))
    return institution


@transaction.atomic
def person_create(
    *,
    id_number: str,
    name: str,
    region: Region,
    scheme: str = Person.Scheme.EMPLOYEE,
    category: str = Person.Category.EMPLOYEE,
    employment: str = Person.Employment.EMPLOYER,
    employer: Employer | None = None,
    contribution_base: Decimal | None = None,
    retirement_date: date | None = None,
    benefits_from: date | None = None,
    status: str = Person.Status.ACTIVE,
    rule_group: str = "",
    confirm_other_region: bool = False,
    actor=None,
) -> Person:
    """Register a person (参保登记). Birth date and gender come from the ID number. An employer
    of another region is refused unless ``confirm_other_region`` (the clerk confirmed it)."""
    employer_region_check(region=region, employer=employer, confirmed=confirm_other_region)
    person = Person(
        id_number=id_number,
        name=name.strip(),
        region=region,
        scheme=scheme,
        category=category,
        employment=employment,
        employer=employer,
        contribution_base=contribution_base,
        retirement_date=retirement_date,
        benefits_from=benefits_from,
        status=status,
        rule_group=rule_group,
    )
    try:
        person.derive_from_id_number()
    except ValueError as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    message = _("ID number %(number)s is already registered.") % {"number": person.id_number}
    if Person.objects.filter(id_number=person.id_number).exists():
        raise DomainError(message, field="id_number")
    _save(person, actor=actor, unique_field="id_number", unique_message=message)
    person_saved.send(sender=Person, person=person, created=True, changed=set(), actor=actor)
    return person


def employer_region_check(*, region: Region, employer: Employer | None, confirmed: bool) -> None:
    """A person registered in one region with an employer of another is refused, naming both
    regions, unless the clerk confirmed it (a person may live and be insured where the
    employer is not, e.g. a branch office: the bureau decides, the system asks). Regions are
    compared by code, a pooling area and its province included: both are named in the refusal."""
    if employer is None or confirmed or employer.region_id == region.pk:
        return
    raise DomainError(
        _(
            "The employer %(employer)s belongs to %(employer_region)s, not to the person's"
            " region %(region)s. Choose an employer of %(region)s, or confirm that the person"
            " is registered in a region other than the employer's."
        )
        % {
            "employer": f"{employer.code} {employer.name}",
            "employer_region": f"{employer.region.name}（{employer.region.code}）",
            "region": f"{region.name}（{region.code}）",
        },
        field="employer",
        code="employer_other_region",
    )


@transaction.atomic
def person_update(*, person: Person, data: dict[str, Any], actor=None) -> Person:
    """Change a person's registration. The ID number is fixed: a wrong one means a new person.
    A change of region or employer that puts them apart is refused unless
    ``data["confirm_other_region"]`` (see ``employer_region_check``)."""
    data = dict(data)
    confirmed = bool(data.pop("confirm_other_region", False))
    if "id_number" in data and data["id_number"] != person.id_number:
        raise DomainError(
            _("The ID number cannot be changed; register the person under the correct number."),
            field="id_number",
        )
    unknown = set(data) - PERSON_EDITABLE - {"id_number"}
    if unknown:
        raise DomainError(_("These fields cannot be changed: %(f)s.") % {"f": ", ".join(unknown)})
    person = Person.objects.select_for_update().get(pk=person.pk)
    changed = set()
    for field, value in data.items():
        if field in PERSON_EDITABLE and getattr(person, field) != value:
            setattr(person, field, value)
            changed.add(field)
    if not changed:
        return person
    if changed & {"region", "employer"}:
        employer_region_check(region=person.region, employer=person.employer, confirmed=confirmed)
    _save(person, actor=actor, unique_field="id_number", unique_message=_("Duplicate person."))
    person_saved.send(sender=Person, person=person, created=False, changed=changed, actor=actor)
    return person


def person_retire(*, person: Person, retirement_date: date, actor=None) -> Person:
    """Record a retirement (办理退休): the person becomes a retiree from that date."""
    return person_update(
        person=person,
        data={"category": Person.Category.RETIREE, "retirement_date": retirement_date},
        actor=actor,
    )


def _not_after_today(day: date, field: str) -> None:
    """An admission or a discharge is recorded once it has happened: a stay "from 2099" or
    "until 2099" was accepted, and a stay excludes outpatient benefits (Jilin 六(三)) until
    its discharge."""
    if day > timezone.localdate():
        label = InpatientStay._meta.get_field(field).verbose_name
        raise DomainError(
            _(
                "%(field)s: %(date)s is in the future; record an admission or a discharge once"
                " it has happened."
            )
            % {"field": label, "date": day},
            field=field,
        )


@transaction.atomic
def inpatient_stay_record(
    *, person: Person, admitted_on: date, discharged_on: date | None = None, actor=None
) -> InpatientStay:
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise per person
    if discharged_on is not None and discharged_on < admitted_on:
        raise DomainError(_("Discharge is before admission."), field="discharged_on")
    _not_after_today(admitted_on, "admitted_on")
    if discharged_on is not None:
        _not_after_today(discharged_on, "discharged_on")
    if admitted_on < person.birth_date:
        raise DomainError(_("Admission is before the birth date."), field="admitted_on")
    end = discharged_on or date.max
    for other in person.inpatient_stays.all():
        other_end = other.discharged_on or date.max
        if other.admitted_on <= end and admitted_on <= other_end:
            raise DomainError(
                _("This stay overlaps the stay from %(start)s.") % {"start": other.admitted_on},
                field="admitted_on",
            )
    stay = InpatientStay(
        person=person, admitted_on=admitted_on, discharged_on=discharged_on, recorded_by=actor
    )
    stay.full_clean()
    stay._history_user = actor
    stay.save()
    return stay


@transaction.atomic
def inpatient_stay_discharge(*, stay: InpatientStay, discharged_on: date, actor=None):
    stay = InpatientStay.objects.select_for_update().get(pk=stay.pk)
    if discharged_on < stay.admitted_on:
        raise DomainError(_("Discharge is before admission."), field="discharged_on")
    _not_after_today(discharged_on, "discharged_on")
    clash = (
        stay.person.inpatient_stays.exclude(pk=stay.pk)
        .filter(admitted_on__gt=stay.admitted_on, admitted_on__lte=discharged_on)
        .first()
    )
    if clash:
        raise DomainError(
            _("This stay would overlap the stay from %(start)s.") % {"start": clash.admitted_on},
            field="discharged_on",
        )
    stay.discharged_on = discharged_on
    stay._history_user = actor
    stay.save(update_fields=["discharged_on"])
    return stay


@transaction.atomic
def filing_record(
    *,
    person: Person,
    kind: str,
    region: Region,
    valid_from: date,
    valid_to: date | None = None,
    actor=None,
):
    """Record an out-of-region filing (异地就医备案) for a place outside the person's region."""
    from .models import OutOfRegionFiling

    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise per person
    if kind not in OutOfRegionFiling.Kind.values:
        raise DomainError(_("kind must be long_term or temporary."), field="kind")
    if region.pk == person.region_id:
        raise DomainError(_("The place filed is the person's own region."), field="region")
    if kind == "temporary" and valid_to is None:
        raise DomainError(_("A temporary filing needs its end date."), field="valid_to")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")
    filing = OutOfRegionFiling(
        person=person,
        kind=kind,
        region=region,
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_by=actor,
    )
    filing._history_user = actor
    filing.save()
    return filing


@transaction.atomic
def filing_end(*, filing, valid_to: date, reason: str, actor=None):
    """End a filing on ``valid_to`` (its last day) with the reason; never after its own end."""
    from .models import OutOfRegionFiling

    filing = OutOfRegionFiling.objects.select_for_update().get(pk=filing.pk)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for ending the filing."), field="reason")
    if valid_to < filing.valid_from:
        raise DomainError(_("The end date is before the start date."), field="valid_to")
    if filing.valid_to is not None and valid_to > filing.valid_to:
        raise DomainError(_("The filing already ends on %(end)s.") % {"end": filing.valid_to},
                          field="valid_to")  # fmt: skip
    filing.valid_to, filing.end_reason = valid_to, reason.strip()[:200]
    filing._history_user = actor
    filing.save(update_fields=["valid_to", "end_reason"])
    return filing
