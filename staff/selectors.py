"""Reads of the audit trail (审计日志) for the auditors' page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db.models import DecimalField, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import codes
from .inputs import searchable_digits
from .models import AuditEvent
from .numbers import format_money

MONEY_ACTIONS = (
    "claims.settlement.create",
    "claims.settlement.reverse",
    "accounts.ledgerentry.create",
    "family_sharing.premiumpayment.create",
)
CATEGORIES = {
    "money": (_("Money movements"), Q(action__in=MONEY_ACTIONS)),
    "master": (
        _("Master-data changes"),
        ~Q(action__in=MONEY_ACTIONS)
        & ~Q(action__startswith="jobs.")
        & ~Q(action__startswith="staff."),
    ),
    "jobs": (_("Background jobs"), Q(action__startswith="jobs.")),
    "access": (
        _("Sign-ins and roles"),
        Q(action__startswith="staff.") & ~Q(action__startswith="staff.review."),
    ),
    "review": (_("Two-person reviews"), Q(action__startswith="staff.review.")),
}
PERSONS_AT_MOST = 200  # a name shared by more people than this needs the ID number


@dataclass(frozen=True)
class AuditQuery:
    person: str = ""
    user: str = ""
    start: date | None = None
    end: date | None = None
    category: str = ""


def persons_matching(text: str) -> list[int]:
    """Person ids for an ID number (full or its start) or a name (exact)."""
    Person = apps.get_model("enrollment", "Person")
    text = text.strip()
    number = searchable_digits(text).upper()
    if number[:-1].isdigit() and len(number) >= 6:
        found = Person.objects.filter(id_number__startswith=number)
    else:
        found = Person.objects.filter(name=text)
    return list(found.values_list("pk", flat=True)[:PERSONS_AT_MOST])


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(*, query: AuditQuery) -> QuerySet[AuditEvent]:
    """Newest first, narrowed by person, user (user name, exact), dates (inclusive) and kind."""
    events = AuditEvent.objects.all()
    if query.person:
        ids = persons_matching(query.person)
        events = events.filter(Q(person_id__in=ids) | Q(other_person_id__in=ids))
    if query.user:
        user_ids = get_user_model().objects.filter(username=query.user.strip()).values("pk")
        events = events.filter(actor__in=user_ids)
    if query.start:
        events = events.filter(at__gte=_day_start(query.start))
    if query.end:
        events = events.filter(at__lt=_day_start(query.end + timedelta(days=1)))
    if query.category in CATEGORIES:
        events = events.filter(CATEGORIES[query.category][1])
    return events.order_by("-at", "-id")


_KIND_LABELS = {"create": _("created"), "update": _("changed"), "delete": _("deleted")}
_ACTION_LABELS = {
    "claims.settlement.create": _("Claim settled"),
    "claims.settlement.reverse": _("Settlement reversed"),
    "enrollment.person.lookup": _("Person looked up by ID number"),
    "accounts.ledgerentry.create": _("Account entry posted"),
    "family_sharing.premiumpayment.create": _("Premium paid from a holder's account"),
    "jobs.job.create": _("Job started"),
    "jobs.job.finish": _("Job finished"),
    "staff.login": _("Signed in"),
    "staff.logout": _("Signed out"),
    "staff.roles.change": _("Roles changed"),
    "staff.review.request": _("Review requested"),
    "staff.review.approve": _("Review approved"),
    "staff.review.reject": _("Review rejected"),
    "staff.review.withdraw": _("Review withdrawn"),
}


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def action_label(action: str) -> str:
    if action in _ACTION_LABELS:
        return str(_ACTION_LABELS[action])
    label, _sep, kind = action.rpartition(".")
    model = _model(label)
    if model is None:
        return action
    return f"{model._meta.verbose_name}{_KIND_LABELS.get(kind, kind)}"


_EXTRA_LABELS = {
    "balance": _("Account balance"),
    "period": _("Period"),
    "entry": _("Ledger entry"),
    "kind": _("Kind"),
    "parameters": _("Parameters"),
    "status": _("Status"),
    "result": _("Result"),
    "errors": _("Errors"),
    "added": _("Added"),
    "removed": _("Removed"),
}


def _field(model, name: str):
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:  # a field since removed keeps its name
        return None


class _Shown:
    """Values as a reader wants them: choice labels, related rows by name (each looked up once
    per page), ID numbers masked as on every page (the trail keeps them whole)."""

    def __init__(self):
        self.related: dict[tuple, str] = {}

    def __call__(self, field, value):
        if value in (None, "") or field is None:
            return value
        if field.name == "id_number":  # enrollment.id_numbers.mask (staff imports no app)
            text = str(value)
            return f"{text[:6]}{'*' * 8}{text[-4:]}" if len(text) == 18 else "*" * len(text)
        if field.choices:
            return dict(field.flatchoices).get(value, value)
        if field.is_relation and field.many_to_one:
            key = (field.related_model, value)
            if key not in self.related:
                row = field.related_model._default_manager.filter(pk=value).first()
                self.related[key] = str(row) if row is not None else f"#{value}"
            return self.related[key]
        if isinstance(field, DecimalField):  # money as every page shows it: 8,800.00
            return format_money(value)
        # A code-like text (``general_outpatient``) is shown by its label; free text as it is.
        if isinstance(value, str) and value in codes.known_codes():
            return codes.label(value, field.name)
        return value


_STRUCTURES = {"result", "parameters"}
_LISTS = {"added", "removed"}


def _structured(value):
    """A job's result or parameters dict as a reader's words: its sentence, or nothing when
    it has no figure the sentence names; any other value as it is."""
    if isinstance(value, dict):
        return codes.result_sentence(value) or None
    return value


def described(events: list[AuditEvent]) -> list[dict]:
    """The page's rows: labels for actions and fields, the persons named (one query)."""
    Person = apps.get_model("enrollment", "Person")
    ids = {e.person_id for e in events} | {e.other_person_id for e in events}
    persons = {p.pk: p for p in Person.objects.filter(pk__in=ids - {None})}
    rows, shown = [], _Shown()
    for e in events:
        model = _model(e.object_type)
        changes = []
        for name, value in (e.changes if isinstance(e.changes, dict) else {}).items():
            if name in _LISTS and isinstance(value, list):  # role names, not [old, new]
                old, new = None, "、".join(str(codes.label(v)) for v in value) or None
            else:
                old, new = value if isinstance(value, list) and len(value) == 2 else (None, value)
            if name in _STRUCTURES:
                # A job's parameters and result are structures (a policy replay's result is its
                # whole comparison): the trail shows their sentence (period, rows, amounts) and
                # leaves the rest to the job's page.
                old, new = _structured(old), _structured(new)
            if old in (None, "") and new in (None, ""):
                continue
            field = _field(model, name)
            if name in codes.CODES["field"]:
                label = codes.label(name, "field")
            elif field is not None:
                label = field.verbose_name
            else:
                label = _EXTRA_LABELS.get(name) or codes.label(name)
            changes.append(
                {"field": str(label), "old": shown(field, old), "new": shown(field, new)}
            )
        rows.append(
            {
                "event": e,
                "action": action_label(e.action),
                "object": str(model._meta.verbose_name) if model else e.object_type,
                "persons": [persons[i] for i in (e.person_id, e.other_person_id) if i in persons],
                "changes": changes,
            }
        )
    return rows
