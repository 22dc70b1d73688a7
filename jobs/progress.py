"""Progress reporting for a running job.

Progress goes to the cache at every step (cheap, visible to every process when the cache is
Redis) and to the ``Job`` row at most every half second, and only when the handler is not inside
a transaction: a handler that applies a whole file in one transaction must not have its progress
writes wait for, or roll back with, that transaction.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

if TYPE_CHECKING:
    from .models import Job

CACHE_TIMEOUT = 24 * 3600
DB_WRITE_INTERVAL = 0.5
MAX_ERRORS = 1000


def heartbeat_key(job_id: int) -> str:
    return f"jobs:heartbeat:{job_id}"


def cache_key(job: Job) -> str:
    # The creation time is part of the key so a reused id (a rolled-back test, a restored
    # database) never shows another job's progress.
    return f"jobs:progress:{job.pk}:{job.created_at.timestamp():.6f}"


class JobProgress:
    def __init__(self, job: Job):
        self.job = job
        self.progress = 0
        self.total = job.total
        self.errors: list[dict[str, Any]] = []
        self.errors_dropped = 0
        self.stage = ""
        self._last_db_write = 0.0

    def set_total(self, total: int) -> None:
        self.total = max(0, int(total))
        self.flush(force=True)

    def start_stage(self, stage: str, *, total: int = 0, done: int = 0) -> None:
        """Begin a pass over the job's items (one of its kind's ``stages``): the count starts
        again at ``done`` of ``total`` (0: not known yet), so a file of 2 rows read, then
        credited, is 2 / 2 rows in each pass, not 4 / 4 of something."""
        self.stage = stage
        self.progress = max(0, int(done))
        self.total = max(0, int(total))
        self.flush(force=True)

    def advance(self, steps: int = 1) -> None:
        self.progress += steps
        if self.total and self.progress > self.total:
            self.total = self.progress
        self.flush()

    def error(
        self,
        message: str,
        *,
        row: int | None = None,
        field: str | None = None,
        region: str | None = None,
        region_name: str | None = None,
    ) -> None:
        if len(self.errors) >= MAX_ERRORS:
            self.errors_dropped += 1
            return
        entry: dict[str, Any] = {}
        if row is not None:
            entry["row"] = row
        if field is not None:
            entry["field"] = field
        if region is not None:
            entry["region"] = region
        if region_name:  # the page names the region, never its bare code
            entry["region_name"] = region_name
        entry["message"] = str(message)
        self.errors.append(entry)

    def discard(self) -> None:
        cache.delete_many([cache_key(self.job), heartbeat_key(self.job.pk)])

    def snapshot(self) -> dict:
        # The total as the handler knows it (0 while a file is still being read); the row
        # stores at least the progress (its check constraint).
        return {"progress": self.progress, "total": self.total, "stage": self.stage}

    def flush(self, force: bool = False) -> None:
        cache.set(cache_key(self.job), self.snapshot(), CACHE_TIMEOUT)
        # The heartbeat: in the cache at every step (seen even while the handler is inside a
        # transaction), on the row with the progress.
        cache.set(heartbeat_key(self.job.pk), time.time(), CACHE_TIMEOUT)
        now = time.monotonic()
        if connection.in_atomic_block:
            return
        if not force and now - self._last_db_write < DB_WRITE_INTERVAL:
            return
        self._last_db_write = now
        type(self.job).objects.filter(pk=self.job.pk).update(
            progress=self.progress,
            total=max(self.total, self.progress),
            heartbeat_at=timezone.now(),
        )
