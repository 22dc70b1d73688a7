"""The chunks of a policy replay job (政策模拟评估的分片)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReplayChunk(models.Model):
    """One chunk of a ``policy_replay`` job: the persons whose ids lie in
    [``first_person``, ``last_person``], replayed by one task in one process.

    A chunk is claimed (``running``) by whichever worker takes it first — a chunk task or the
    job's own handler — and finished once: ``partial`` (its aggregates, JSON) is written with
    ``status = done`` only while it is not done yet, so a redelivered task or a second worker
    never counts a chunk twice. A running chunk whose heartbeat stopped (its worker died) is
    taken again. Rows are removed when the job ends; the result lives on the job.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    index = models.PositiveIntegerField(_("chunk"))
    first_person = models.BigIntegerField(_("first person id"))
    last_person = models.BigIntegerField(_("last person id"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    claims = models.PositiveBigIntegerField(_("claims replayed"), default=0)
    partial = models.JSONField(_("partial aggregates"), default=dict, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    # host:pid of the process that replayed it (the result counts the processes that shared the
    # job: the chunks really spread over the workers).
    taken_by = models.CharField(_("taken by"), max_length=96, blank=True, default="")
    heartbeat_at = models.DateTimeField(_("heartbeat"), null=True, blank=True)

    class Meta:
        verbose_name = _("replay chunk")
        verbose_name_plural = _("replay chunks")
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="replay_chunk_unique"),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} chunk {self.index} ({self.status})"
