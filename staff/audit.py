"""The audit trail (审计日志): who did what, when and from where.

Services record money movements through ``event``/``record``; models with ``simple_history``
records are audited from its signal, so every recorded change of a person, employer,
institution, inpatient stay, certification, authorisation, region, policy version, disease,
institution API link or bureau user lands here too, with the fields that changed; role changes
come from ``m2m_changed``, sign-ins from Django's signals. Batch work (payroll, monthly crediting,
year-end close) is one event for the job's start and one for its end, with its totals: the
ledger entries it wrote carry the job in their reference.

Who and from where come from the context: ``AuditMiddleware`` keeps the request (its user is
read when the event is made, after DRF has authenticated it); a job runs inside ``acting``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models

from .models import AuditEvent
from .proxies import client_address  # noqa: F401 (re-exported: the trail's address rule)

_request: ContextVar[Any] = ContextVar("audit_request", default=None)
_acting: ContextVar[Acting | None] = ContextVar("audit_acting", default=None)


@dataclass(frozen=True)
class Acting:
    """Who is acting outside a request: a job (its creator), the scheduler, a command."""

    channel: str
    actor: Any = None
    job_id: int | None = None


class AuditMiddleware:
    """Keeps the request in the context for the duration of the view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def acting(*, channel: str, actor=None, job_id: int | None = None) -> Iterator[None]:
    token = _acting.set(Acting(channel=channel, actor=actor, job_id=job_id))
    try:
        yield
    finally:
        _acting.reset(token)


def _channel_of(request) -> str:
    path = request.path
    if path.startswith("/api/"):
        return AuditEvent.Channel.API
    if path.startswith("/admin/"):
        return AuditEvent.Channel.ADMIN
    return AuditEvent.Channel.WEB


def _signed_in(user):
    return user if getattr(user, "is_authenticated", False) else None


def event(
    *,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    person_id: int | None = None,
    other_person_id: int | None = None,
    amount: Decimal | None = None,
    summary: str = "",
    changes: dict | None = None,
    actor=None,
) -> AuditEvent:
    """An unsaved event with who and from where filled in from the context."""
    request, context = _request.get(), _acting.get()
    address, job_id = None, None
    if context is not None:
        channel, job_id = context.channel, context.job_id
        actor = actor or context.actor
    elif request is not None:
        channel = _channel_of(request)
        address = client_address(request)
        actor = actor or _signed_in(getattr(request, "user", None))
    else:
        channel = AuditEvent.Channel.SYSTEM
    actor = _signed_in(actor)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk or ""
    return AuditEvent(
        actor=actor,
        actor_name=actor.get_username() if actor else "",
        channel=channel,
        address=address,
        job_id=job_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        person_id=person_id,
        other_person_id=other_person_id,
        amount=amount,
        summary=summary[:300],
        changes=jsonable(changes or {}),
    )


def record(**kwargs) -> AuditEvent:
    """Write an event in the caller's transaction (a refused change leaves no event)."""
    made = event(**kwargs)
    made.save()
    return made


def jsonable(value):
    """Values as the trail shows them: dates, money and ids as text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal | dt.date | dt.datetime | dt.time):
        return str(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


# --- master data, from simple_history -------------------------------------------------------

_HISTORY_ACTIONS = {"+": "create", "~": "update", "-": "delete"}


def _persons_of(instance) -> tuple[int | None, int | None]:
    """The person a change concerns (and the other one of a family-sharing pair)."""
    if instance._meta.label_lower == "enrollment.person":
        return instance.pk, None
    if hasattr(instance, "holder_id"):
        return instance.holder_id, getattr(instance, "member_id", None)
    return getattr(instance, "person_id", None), None


def _told(field: models.Field) -> bool:
    """Fields worth showing: not the key, not the timestamps every save moves."""
    return not (
        field.primary_key
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    )


def history_recorded(sender, instance, history_instance, history_user=None, **kwargs) -> None:
    """``post_create_historical_record``: the change as an audit event, with a field diff."""
    kind = _HISTORY_ACTIONS.get(history_instance.history_type, "update")
    # The fields the history keeps (a model's excluded fields, e.g. a user's password hash,
    # are not on its historical record and stay out of the trail too).
    fields = [
        f
        for f in instance._meta.concrete_fields
        if _told(f) and hasattr(history_instance, f.attname)
    ]
    changes: dict[str, list] = {}
    previous = history_instance.prev_record if kind == "update" else None
    if previous is not None:
        for field in fields:
            old = getattr(previous, field.attname, None)
            new = getattr(history_instance, field.attname, None)
            if old != new:
                changes[field.name] = [old, new]
        if not changes:
            return  # saved without a change (or only in fields the history leaves out)
    else:  # created, deleted, or changed with no earlier record: the values it has (had)
        for field in fields:
            value = getattr(history_instance, field.attname)
            if value not in (None, "", [], {}):
                changes[field.name] = {"create": [None, value], "delete": [value, None]}.get(
                    kind, value
                )
    person_id, other_person_id = _persons_of(instance)
    record(
        action=f"{instance._meta.label_lower}.{kind}",
        obj=instance,
        person_id=person_id,
        other_person_id=other_person_id,
        summary=str(instance),
        changes=changes,
        actor=history_user,
    )


def roles_changed(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """``m2m_changed`` of users' groups (roles), from either side."""
    from django.contrib.auth.models import Group

    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if action == "pre_clear":
        pk_set = set(
            (instance.user_set if reverse else instance.groups).values_list("pk", flat=True)
        )
    if not pk_set:
        return
    verb = "added" if action == "post_add" else "removed"
    if reverse:  # group.user_set.add(users…)
        for user in get_user_model().objects.filter(pk__in=pk_set):
            record(
                action="staff.roles.change",
                obj=user,
                summary=user.get_username(),
                changes={verb: [instance.name]},
            )
        return
    names = sorted(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
    record(
        action="staff.roles.change",
        obj=instance,
        summary=instance.get_username(),
        changes={verb: names},
    )


def signed_in(sender, request, user, **kwargs) -> None:
    record(action="staff.login", obj=user, summary=user.get_username(), actor=user)


def signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(action="staff.logout", obj=user, summary=user.get_username(), actor=user)
