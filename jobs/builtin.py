"""Built-in job kinds. ``selfcheck`` (系统自检) touches the database and the cache step by step;
it shows an operator that the worker, broker, database and cache work together, with progress."""

import time

from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from staff.errors import DomainError
from staff.inputs import plain_int
from staff.roles import CLERK, MANAGER, POLICY_ADMIN

from .registry import register


def _int_param(parameters: dict, name: str, default: int, low: int, high: int) -> int:
    value = parameters.get(name, default)
    try:
        number = plain_int(value)  # not 1_000, not ２０ (int() reads both)
    except ValueError:
        raise DomainError(_("must be a whole number"), field=name) from None
    if not low <= number <= high:
        raise DomainError(
            _("must be between %(low)d and %(high)d") % {"low": low, "high": high}, field=name
        )
    return number


def clean_selfcheck(parameters: dict) -> dict:
    return {
        "steps": _int_param(parameters, "steps", 20, 1, 10_000),
        "delay_ms": _int_param(parameters, "delay_ms", 0, 0, 1_000),
    }


@register(
    "selfcheck",
    label=gettext_lazy("System self-check"),
    roles=(CLERK, MANAGER, POLICY_ADMIN),
    clean=clean_selfcheck,
    unit=pgettext_lazy("progress unit", "steps"),
)
def selfcheck(job, progress):
    steps = job.parameters["steps"]
    delay = job.parameters["delay_ms"] / 1000
    progress.set_total(steps)
    key = f"jobs:selfcheck:{job.pk}"
    for step in range(1, steps + 1):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        cache.set(key, step, 60)
        if cache.get(key) != step:
            raise DomainError(_("The cache did not return what was written to it."))
        if delay:
            time.sleep(delay)
        progress.advance()
    return {"database": connection.vendor, "steps": steps}
