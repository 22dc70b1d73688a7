"""The kinds of background job, registered by the apps that own them.

``jobs`` imports no other app of ours; apps register their kinds from their ``jobs.py`` module
(imported by ``JobsConfig.ready`` through ``autodiscover_modules``)::

    @register("monthly_crediting", label=_("Monthly retiree crediting"), roles=(MANAGER,),
              clean=clean_period)
    def monthly_crediting(job, progress): ...

A handler receives the ``Job`` and a ``JobProgress``; it returns a small JSON-able result dict
(or None), records per-row problems with ``progress.error(...)`` (the job ends ``partial``), or
raises ``JobFailed`` with every error when nothing could be applied (the job ends ``failed``).
Handlers must be idempotent: a redelivered task runs the handler again.

A kind may register ``cleanup(job, finished=...)``: it removes what a run leaves behind when it
is cut short (staging rows), before the job runs again (``finished=False``) and once it has
ended, whatever the outcome (``finished=True``, e.g. the uploaded file). It runs on a fresh
connection when the handler's was lost, and must be idempotent.

A kind says what its progress counts (``unit``, e.g. ``pgettext_lazy("progress unit", "rows")``):
the pages show "已处理 2 / 2 行", never a bare figure a clerk reads as rows when it counts
something else. A handler that goes over its items more than once (read and check a file, then
credit it) names each pass (``stages``) and restarts the count with ``progress.start_stage``:
the page names the pass while the job runs, so each figure counts the items once.

A kind may register ``error_report(job) -> url``: where a failed job's errors are downloaded as
a report (the job page links it for the users of the kind's roles), and ``field_labels``: its
file's column headers, which name its errors' fields on the job page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from .models import Job
    from .progress import JobProgress

Handler = Callable[["Job", "JobProgress"], dict | None]
Cleaner = Callable[[dict[str, Any]], dict[str, Any]]
Cleanup = Callable[..., None]


def _no_cleanup(job: Job, *, finished: bool) -> None:
    return None


@dataclass(frozen=True)
class JobKind:
    kind: str
    label: Promise | str
    handler: Handler
    roles: tuple[str, ...]
    clean: Cleaner = field(default=lambda parameters: {})
    # Earlier periods that now have work to do (e.g. after a policy fill gave a value a run
    # was refused for): ``backlog() -> [{"period", "region", "label", "pending"}]``.
    backlog: Callable[[], list[dict[str, Any]]] | None = None
    cleanup: Cleanup = _no_cleanup
    error_report: Callable[[Job], str] | None = None
    # The column headers of the kind's file (``{"kind": "目录类别"}``): its errors' fields are
    # named on the job page as the clerk's file and template name them.
    field_labels: dict[str, str] | None = None
    # What the progress counts ("rows"), and the names of the handler's passes over them.
    unit: Promise | str = ""
    stages: dict[str, Promise | str] = field(default_factory=dict)


_KINDS: dict[str, JobKind] = {}


def register(
    kind: str,
    *,
    label,
    roles: tuple[str, ...],
    clean: Cleaner | None = None,
    backlog: Callable[[], list[dict[str, Any]]] | None = None,
    cleanup: Cleanup | None = None,
    error_report: Callable[[Job], str] | None = None,
    field_labels: dict[str, str] | None = None,
    unit: Promise | str = "",
    stages: dict[str, Promise | str] | None = None,
):
    def decorator(handler: Handler) -> Handler:
        _KINDS[kind] = JobKind(
            kind=kind,
            label=label,
            handler=handler,
            roles=roles,
            clean=clean or (lambda parameters: {}),
            backlog=backlog,
            cleanup=cleanup or _no_cleanup,
            error_report=error_report,
            field_labels=field_labels,
            unit=unit,
            stages=stages or {},
        )
        return handler

    return decorator


def get_kind(kind: str) -> JobKind | None:
    return _KINDS.get(kind)


def all_kinds() -> list[JobKind]:
    return sorted(_KINDS.values(), key=lambda k: k.kind)


class JobFailed(Exception):
    """Raised by a handler when nothing was applied; ``errors`` are shown to the user, and
    ``result`` (optional) is what the check counted (rows read, rows with errors)."""

    def __init__(self, errors: list[dict[str, Any]], *, result: dict[str, Any] | None = None):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors
        self.result = result or {}
