"""Pooling regions (统筹地区) and their versioned policy documents (政策版本)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Region(models.Model):
    """A pooling region, identified by its administrative division code (e.g. 150200 包头市).

    The first two digits are the province; Yuxi's "same province only" sharing rule compares them.
    Regions form a tree: a provincial framework (e.g. 510000 四川省) is the ``parent`` of its
    pooling areas (510100 成都市), whose effective policy is the framework's overlaid by their own
    (``policies.tree``). The parent is set when the region is created and never changed.
    """

    code = models.CharField(_("region code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("pooling region")
        verbose_name_plural = _("pooling regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}$"), name="region_code_six_digits"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def province_code(self) -> str:
        return self.code[:2]


class PolicyVersion(models.Model):
    """One version of a region's policy document, in force from ``effective_from`` to
    ``effective_to`` (inclusive; null while it is the open, current version).

    The document is data validated against ``policies.schema``. A version is never edited: a
    change is a new version, and the only later write is closing it (setting ``effective_to``),
    which the service refuses when it would cut off a settled claim.

    A ``fill`` (DESIGN.md, "Versions: amendments, fills and drafts") gives only values the
    versions it overlaps left unset; it sits below them (``policies.tree``), so it never
    overrides a set value and may start on any date, past included.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="versions"
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.TextField(_("source document"))
    document = models.JSONField(_("policy document"))
    kind = models.CharField(
        _("kind"),
        max_length=8,
        choices=[("version", _("version")), ("fill", _("fill"))],
        default="version",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["region__code", "-effective_from"]
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "effective_from"],
                condition=models.Q(kind="version"),
                name="policy_version_unique_start",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="policy_version_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        end = self.effective_to.isoformat() if self.effective_to else "…"
        return f"{self.region.code} {self.effective_from.isoformat()}–{end}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            stored = (
                PolicyVersion.objects.filter(pk=self.pk)
                .values("document", "effective_from", "source", "region_id", "kind")
                .first()
            )
            if stored and (
                stored["document"] != self.document
                or stored["effective_from"] != self.effective_from
                or stored["source"] != self.source
                or stored["region_id"] != self.region_id
                or stored["kind"] != self.kind
            ):
                raise ValidationError(
                    _("A policy version is never edited; publish a new version instead.")
                )
        super().save(*args, **kwargs)

    @property
    def citation_source(self) -> str:
        """What explanations cite for this version (``policies.params.citation_of``): its 文号
        (e.g. 包府办发〔2022〕99号), or its title where the source starts with it."""
        from .params import citation_of

        return citation_of(self.source, self.region.name)

    def covers(self, day) -> bool:
        ends_after = self.effective_to is None or day <= self.effective_to
        return self.effective_from <= day and ends_after


class PolicyDraft(models.Model):
    """A version being prepared: stored, listed, deleted or published, never in force and never
    read by settlement (a later replay evaluates claims under it)."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.CASCADE, related_name="drafts"
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.TextField(_("source document"))
    document = models.JSONField(_("policy document"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["region__code", "-created_at"]
        verbose_name = _("policy draft")
        verbose_name_plural = _("policy drafts")

    def __str__(self) -> str:
        return f"{self.region.code} draft {self.effective_from.isoformat()}"
