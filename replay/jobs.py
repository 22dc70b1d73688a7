"""The ``policy_replay`` job kind: a draft's effect on a period's settlements and crediting."""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jobs.registry import register
from policies.models import PolicyDraft
from staff.errors import DomainError
from staff.inputs import has_foreign_digits
from staff.roles import MANAGER


def _date(parameters: dict, name: str) -> date:
    value = parameters.get(name)
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError(gettext_now("%(field)s: a date is required (YYYY-MM-DD).")
                          % {"field": name}, field=name)  # fmt: skip
    if has_foreign_digits(text) or not text.isascii():
        raise DomainError(
            gettext_now("%(field)s: use ASCII digits 0-9 for the date (YYYY-MM-DD).")
            % {"field": name},
            field=name,
        )
    try:
        day = date.fromisoformat(text)
        if len(text) != 10:
            raise ValueError
    except ValueError:
        raise DomainError(
            gettext_now("%(field)s: “%(value)s” is not a date (YYYY-MM-DD).")
            % {"field": name, "value": text[:20]},
            field=name,
        ) from None
    if day > timezone.localdate():
        raise DomainError(
            gettext_now("%(field)s: %(value)s is in the future; only past claims are replayed.")
            % {"field": name, "value": text},
            field=name,
        )
    return day


def clean_replay(parameters: dict) -> dict:
    """A draft that exists (and so belongs to a region), and a past period start <= end."""
    value = parameters.get("draft")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DomainError(gettext_now("draft: give the draft's number."), field="draft")
    text = str(value).strip()
    if not text or has_foreign_digits(text) or not text.isascii() or not text.isdigit():
        raise DomainError(
            gettext_now("draft: the draft's number is written with ASCII digits 0-9."),
            field="draft",
        )
    draft = PolicyDraft.objects.filter(pk=int(text)).select_related("region").first()
    if draft is None or draft.region_id is None:
        raise DomainError(gettext_now("draft: there is no draft %(id)s.") % {"id": text},
                          field="draft")  # fmt: skip
    start, end = _date(parameters, "start"), _date(parameters, "end")
    if start > end:
        raise DomainError(
            gettext_now("end: the end (%(end)s) is before the start (%(start)s).")
            % {"end": end.isoformat(), "start": start.isoformat()},
            field="end",
        )
    return {"draft": draft.pk, "start": start.isoformat(), "end": end.isoformat()}


def cleanup_replay(job, *, finished: bool) -> None:
    from .services import replay_cleanup

    replay_cleanup(job, finished=finished)


@register(
    "policy_replay",
    label=_("Replay of claims under a policy draft"),
    roles=(MANAGER,),
    clean=clean_replay,
    cleanup=cleanup_replay,
    unit=pgettext_lazy("progress unit", "settlements"),  # the settled claims replayed
)
def policy_replay(job, progress):
    from .services import policy_replay_run

    return policy_replay_run(job=job, progress=progress)
