"""The policy replay job (政策模拟评估): chunks over the Celery workers, then one result.

The handler splits the persons of the draft's region (and the regions below it: a framework's
draft is replayed over its pooling areas, whose effective policy it is part of) into chunks of
at most ``REPLAY_CHUNK_PERSONS`` consecutive person ids (and at least ``REPLAY_MIN_CHUNKS``
chunks, so that a small region still spreads), one ``ReplayChunk`` row each, sends one Celery
task per chunk, and takes chunks itself too: with one worker process the handler replays them
all, with more the chunks spread. A chunk is claimed by one conditional UPDATE and finished by
another that only applies while it is not done, so a redelivered task adds nothing; a running
chunk whose heartbeat stopped is taken again. When every chunk is done the partial aggregates
are added up into ``Job.result`` (the shape is ``../coord/replay_contract.md``) and the chunk rows
are removed. Nothing else is written: no ledger entry, accumulator, summary or settlement.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import time
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Settlement
from enrollment.models import Person
from jobs.models import Job
from policies.models import PolicyDraft
from policies.selectors import effective_policy, policy_differences, region_subtree_ids
from staff.errors import DomainError, NotFound

from .engine import (
    BUCKETS,
    DIMENSIONS,
    ZERO,
    Aggregate,
    Scope,
    _sums_json,
    draft_version,
    replay_chunk,
)
from .models import ReplayChunk

logger = logging.getLogger(__name__)

LAST_PERSON = 2**62
STALE_CHUNK = timedelta(seconds=120)
WAIT = 0.2


def replay_scope(parameters: dict, *, chunks: int = 1) -> Scope:
    draft = PolicyDraft.objects.select_related("region").filter(pk=parameters["draft"]).first()
    if draft is None:
        raise DomainError(
            _("draft: draft %(id)s no longer exists.") % {"id": parameters["draft"]}, field="draft"
        )
    sample = int(parameters.get("sample", settings.REPLAY_SAMPLE))
    return Scope(
        draft=draft,
        region_ids=region_subtree_ids(region=draft.region),
        start=date.fromisoformat(parameters["start"]),
        end=date.fromisoformat(parameters["end"]),
        sample_per_chunk=math.ceil(sample / max(1, chunks)) if sample else 0,
    )


def _plan_chunks(job: Job, scope: Scope) -> int:
    """The job's chunks (made once: a rerun of the handler finds them)."""
    existing = ReplayChunk.objects.filter(job=job).count()
    if existing:
        return existing
    ids = (
        Person.objects.filter(region_id__in=scope.region_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    # At most REPLAY_CHUNK_PERSONS persons a chunk, and at least REPLAY_MIN_CHUNKS chunks: a
    # region of 2,860 persons in two chunks of 2,000 and 860 keeps a second worker idle for
    # most of the job; eight near-equal chunks spread over the workers (a chunk's fixed cost,
    # its few fact queries, is about 0.1 s).
    size = max(1, min(settings.REPLAY_CHUNK_PERSONS,
                      math.ceil(ids.count() / max(1, settings.REPLAY_MIN_CHUNKS))))  # fmt: skip
    starts = [0]
    for n, pk in enumerate(ids.iterator(10_000)):
        if n and n % size == 0:
            starts.append(pk)
    bounds = [(s, (starts[i + 1] - 1) if i + 1 < len(starts) else LAST_PERSON)
              for i, s in enumerate(starts)]  # fmt: skip
    ReplayChunk.objects.bulk_create(
        [
            ReplayChunk(job=job, index=i, first_person=lo, last_person=hi)
            for i, (lo, hi) in enumerate(bounds)
        ],
        ignore_conflicts=True,
    )
    return len(bounds)


def chunk_take(*, job_id: int, index: int | None = None) -> ReplayChunk | None:
    """Claim a pending chunk (or one whose worker stopped beating) for this process."""
    stale = timezone.now() - STALE_CHUNK
    open_ = Q(status=ReplayChunk.Status.PENDING) | Q(
        status=ReplayChunk.Status.RUNNING, heartbeat_at__lt=stale
    )
    candidates = ReplayChunk.objects.filter(open_, job_id=job_id)
    if index is not None:
        candidates = candidates.filter(index=index)
    for pk in candidates.order_by("index").values_list("pk", flat=True)[:8]:
        claimed = (
            ReplayChunk.objects.filter(open_, pk=pk).update(
                status=ReplayChunk.Status.RUNNING,
                heartbeat_at=timezone.now(),
                taken_by=f"{socket.gethostname()}:{os.getpid()}"[:96],
            )
            == 1
        )
        if claimed:
            chunk = ReplayChunk.objects.get(pk=pk)
            ReplayChunk.objects.filter(pk=pk).update(attempts=chunk.attempts + 1)
            return chunk
    return None


def chunk_run(*, chunk: ReplayChunk, scope: Scope, progress=None) -> bool:
    """Replay a claimed chunk and record its aggregates once; False if it was already done.
    Run by the job's handler, the job's own heartbeat is kept too (``progress``)."""

    def heartbeat() -> None:
        ReplayChunk.objects.filter(pk=chunk.pk, status=ReplayChunk.Status.RUNNING).update(
            heartbeat_at=timezone.now()
        )
        if progress is not None:
            progress.flush(force=True)

    agg = replay_chunk(scope, chunk.first_person, chunk.last_person, heartbeat)
    return bool(
        ReplayChunk.objects.filter(pk=chunk.pk)
        .exclude(status=ReplayChunk.Status.DONE)
        .update(status=ReplayChunk.Status.DONE, partial=agg.to_json(), claims=agg.claims)
    )


def chunk_execute(*, job_id: int, index: int) -> bool:
    """A chunk task: replay the chunk if nobody has; the job's handler adds it up."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.is_finished:
        return False
    chunk = chunk_take(job_id=job_id, index=index)
    if chunk is None:
        return False
    try:
        scope = replay_scope(job.parameters, chunks=_chunk_count(job_id))
    except DomainError:
        ReplayChunk.objects.filter(pk=chunk.pk).update(status=ReplayChunk.Status.PENDING)
        return False
    return chunk_run(chunk=chunk, scope=scope)


def _chunk_count(job_id: int) -> int:
    return ReplayChunk.objects.filter(job_id=job_id).count()


def _send(job_id: int, count: int) -> None:
    from kombu.exceptions import OperationalError

    from .tasks import run_chunk

    for index in range(count):
        try:
            run_chunk.apply_async((job_id, index), queue=settings.CELERY_TASK_DEFAULT_QUEUE)
        except (OperationalError, OSError):
            logger.warning("replay job %s: chunk tasks not sent; the handler replays them", job_id)
            return


def _scope_settlements(scope: Scope) -> int:
    return Settlement.objects.filter(
        status=Settlement.Status.SETTLED,
        policy_version__region_id__in=scope.region_ids,
        visit_date__gte=scope.start,
        visit_date__lte=scope.end,
    ).count()


def policy_replay_run(*, job: Job, progress) -> dict:
    """The ``policy_replay`` handler (see the module docstring)."""
    scope = replay_scope(job.parameters)
    count = _plan_chunks(job, scope)
    scope = replay_scope(job.parameters, chunks=count)
    _send(job.pk, count)
    # Counted once the chunks are out (a scan of the region's settlements: seconds on a
    # bureau's volume, while the other workers already replay).
    progress.set_total(_scope_settlements(scope))
    while True:
        chunk = chunk_take(job_id=job.pk)
        if chunk is not None:
            chunk_run(chunk=chunk, scope=scope, progress=progress)
        done = ReplayChunk.objects.filter(job=job, status=ReplayChunk.Status.DONE)
        replayed = done.aggregate(n=Sum("claims"))["n"] or 0
        progress.progress = min(replayed, progress.total) if progress.total else replayed
        progress.flush()
        if done.count() == count:
            break
        if chunk is None:
            time.sleep(WAIT)
    total = Aggregate()
    for partial in done.order_by("index").values_list("partial", flat=True).iterator(100):
        total.merge(Aggregate.from_json(partial))
    result = replay_result(scope, total)
    result["chunks"] = count
    result["processes"] = done.values("taken_by").distinct().count()
    ReplayChunk.objects.filter(job=job).delete()
    return result


def replay_cleanup(job: Job, *, finished: bool) -> None:
    """Chunks of a finished job are gone; a cut-short run keeps them (a rerun resumes)."""
    if finished:
        ReplayChunk.objects.filter(job=job).delete()


def replay_result(scope: Scope, agg: Aggregate) -> dict:
    """The job's result (``replay_contract.md``)."""
    draft = scope.draft
    region = draft.region
    breakdowns = {
        d: [
            {"key": key, "actual": _sums_json(a), "draft": _sums_json(b, r)}
            for key, (a, b, r) in sorted(agg.dims[d].items())
        ]
        for d in DIMENSIONS
    }
    result = {
        "region": region.code,
        "region_name": region.name,
        "draft": draft.pk,
        "draft_title": draft.source,
        "start": scope.start.isoformat(),
        "end": scope.end.isoformat(),
        "actual": _sums_json(agg.actual),
        "draft_totals": None,
        "persons_better": agg.persons_better,
        "persons_worse": agg.persons_worse,
        "breakdowns": breakdowns,
        "person_delta": {
            "buckets": [
                {
                    "lower": None if lower is None else f"{lower:.2f}",
                    "upper": None if upper is None else f"{upper:.2f}",
                    "persons": n,
                }
                for (lower, upper), n in zip(BUCKETS, agg.buckets, strict=True)
            ],
            "total_better": f"{agg.total_better:.2f}",
            "total_worse": f"{agg.total_worse:.2f}",
        },
        "newly_at_cap": agg.newly_at_cap,
        "refused": [
            {"parameter": p, "article": article, "message": message, "claims": n}
            for p, (article, message, n) in sorted(agg.refused.items(), key=lambda i: -i[1][2])
        ],
        "exact_check": {
            "sample": agg.sample,
            "matched": agg.matched,
            "mismatches": agg.mismatches,
        },
        "differences": _differences(scope),
        "claims": agg.claims,
    }
    # The contract names the draft's totals "draft" beside the draft's id (also "draft"): the
    # totals win the key, the id stays in "draft_id" (and the job's parameters).
    result["draft_id"] = draft.pk
    result["draft"] = _sums_json(agg.draft, agg.refused_claims)
    del result["draft_totals"]
    if agg.credit_months:
        actual_total = sum((a for a, _d, _n in agg.credit_months.values()), start=ZERO)
        draft_total = sum((d for _a, d, _n in agg.credit_months.values()), start=ZERO)
        result["crediting"] = {
            "months": [
                {"key": k, "actual": f"{a:.2f}", "draft": f"{d:.2f}", "accounts": n}
                for k, (a, d, n) in sorted(agg.credit_months.items())
            ],
            "actual_total": f"{actual_total:.2f}",
            "draft_total": f"{draft_total:.2f}",
            "fund_effect": f"{draft_total - actual_total:.2f}",
            "refused": [
                {"parameter": p, "message": message, "accounts": n}
                for p, (message, n) in sorted(agg.credit_refused.items())
            ],
        }
    return result


def _differences(scope: Scope) -> list[dict]:
    """The draft against the policy in force at the period's end, parameter by parameter
    (``policies.selectors.policy_differences``, the publish preview's)."""
    region = scope.draft.region
    try:
        before = effective_policy(region=region, on_date=scope.end)
    except NotFound:
        before = None
    after = effective_policy(region=region, on_date=scope.end, extra=draft_version(scope.draft))
    return [
        {
            "path": row["path"],
            "label": str(row["label"]),
            "in_force": str(row["before"]),
            "draft": str(row["after"]),
            "article": row["article"],
        }
        for row in policy_differences(before=before, after=after)
    ]
