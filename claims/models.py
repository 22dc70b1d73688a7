"""Chronic and special outpatient diseases (门诊慢特病): the catalogue and certifications.

Settlements and year-to-date accumulators arrive with the settlement service (issue 5).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from enrollment.models import Person


class Disease(models.Model):
    """A disease of the catalogue (病种), by ICD-10 code: chronic (门诊慢性病) or special
    (门诊特殊病). The bureau adds more; the seeded ones come from a data migration."""

    class Kind(models.TextChoices):
        CHRONIC = "chronic", _("Chronic outpatient disease")
        SPECIAL = "special", _("Special outpatient disease")

    code = models.CharField(_("ICD-10 code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("disease")
        verbose_name_plural = _("diseases")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ChronicCertification(models.Model):
    """A person's certification for a chronic or special disease (慢特病认定): applied, then
    approved or rejected by a clerk; an approved one can later be revoked. A chronic/special
    claim needs one approved and valid on the visit date."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        REVOKED = "revoked", _("Revoked")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="certifications"
    )
    disease = models.ForeignKey(
        Disease, verbose_name=_("disease"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.APPLIED
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="certification_valid_to_after_from",
            ),
            models.UniqueConstraint(
                fields=["person", "disease"],
                condition=Q(status__in=["applied", "approved"]),
                name="certification_one_open_per_person_disease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.disease_id} {self.status}"

    def covers(self, day) -> bool:
        return (
            self.status == self.Status.APPROVED
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )
