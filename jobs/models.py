"""Background jobs (后台任务): imports, crediting runs, year-end close, with progress and errors."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One run of a background job, as the clerk or manager who started it sees it.

    ``errors`` lists what could not be done as ``{row?, field?, region?, message}`` objects;
    ``status`` is ``partial`` when the job finished but some of it could not be applied, and
    ``failed`` when nothing was applied. ``heartbeat_at`` is touched while it runs; a running
    job whose heartbeat stopped is recovered by the beat (``jobs_recover_stalled``).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        PARTIAL = "partial", _("Partially done")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.SUCCEEDED, Status.PARTIAL, Status.FAILED)

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    progress = models.PositiveBigIntegerField(_("progress"), default=0)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Touched when the job is claimed and as it makes progress: a running job whose heartbeat
    # stopped (its worker was killed, its connection cut) is requeued or failed by the beat.
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=models.F("total")) | models.Q(total=0),
                name="job_progress_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    #: Parameters that locate things on the server (an uploaded file's path): never shown.
    PRIVATE_PARAMETERS = frozenset({"path"})

    @property
    def public_parameters(self) -> dict:
        return {
            k: v for k, v in (self.parameters or {}).items() if k not in self.PRIVATE_PARAMETERS
        }

    #: The pass a running job is in, from the live progress (``job_live``); not stored.
    stage = ""

    @property
    def progress_unit(self):
        """What the progress counts (行, 人, …), as the job's kind registered it."""
        from .registry import get_kind

        kind = get_kind(self.kind)
        return kind.unit if kind else ""

    @property
    def stage_label(self):
        """The name of the pass a running job is in (读取并核对各行, 入账), or ""."""
        from .registry import get_kind

        kind = get_kind(self.kind)
        return (kind.stages.get(self.stage) if kind and self.stage else "") or ""

    @property
    def percent(self) -> int:
        if self.is_finished and self.status != self.Status.FAILED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.progress * 100 / self.total))
