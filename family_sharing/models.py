"""Family sharing of personal accounts (家庭共济): who may pay from whose account, and the
premiums paid from an account for a relative."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from enrollment.models import Person

PREMIUM_KINDS = (
    "resident_insurance",
    "long_term_care",
    "serious_illness",
    "supplementary",
    "commercial_health",
)


class SharingAuthorisation(models.Model):
    """A holder's authorisation (家庭共济授权) for a relative — the member — to pay from the
    holder's personal account. ``relation`` is what the member is to the holder. Usable while
    active and ``valid_from <= visit <= valid_to``; revoking keeps the row (history included)."""

    class Relation(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        PARENT = "parent", _("Parent")
        CHILD = "child", _("Child")
        # 近亲属 (民法典 第一千零四十五条), where the region's document allows them
        # (Tibet 第十四条).
        SIBLING = "sibling", _("Sibling")
        GRANDPARENT = "grandparent", _("Grandparent")
        GRANDCHILD = "grandchild", _("Grandchild")

    class ProofKind(models.TextChoices):
        HOUSEHOLD_REGISTER = "household_register", _("Household register")
        MARRIAGE_CERTIFICATE = "marriage_certificate", _("Marriage certificate")
        BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
        OTHER = "other", _("Other document")

    class Status(models.TextChoices):
        # An authorisation in force (有效), not a person's insured status (正常参保).
        ACTIVE = "active", pgettext_lazy("family sharing", "Active")
        REVOKED = "revoked", _("Revoked")

    holder = models.ForeignKey(
        Person, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="sharing_granted"
    )
    member = models.ForeignKey(
        Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="sharing_received"
    )
    relation = models.CharField(_("relation"), max_length=16, choices=Relation.choices)
    proof_kind = models.CharField(_("proof"), max_length=24, choices=ProofKind.choices)
    proof_number = models.CharField(_("proof number"), max_length=64)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = _("sharing authorisation")
        verbose_name_plural = _("sharing authorisations")
        indexes = [models.Index(fields=["member", "status"])]
        constraints = [
            models.CheckConstraint(condition=~Q(holder=F("member")), name="sharing_not_self"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="sharing_valid_to_after_from",
            ),
            models.UniqueConstraint(
                fields=["holder", "member"],
                condition=Q(status="active"),
                name="sharing_one_active_per_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.holder_id}→{self.member_id} {self.relation} {self.status}"

    def covers(self, day) -> bool:
        return (
            self.status == self.Status.ACTIVE
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )


class PremiumPayment(models.Model):
    """A premium paid from the holder's account for a relative (代缴参保费用), e.g. the
    relative's residents' insurance for a year. One per member, kind and year; its money
    movement is the ``premium_debit`` ledger entry."""

    class Kind(models.TextChoices):
        RESIDENT_INSURANCE = "resident_insurance", _("Residents' basic medical insurance")
        LONG_TERM_CARE = "long_term_care", _("Long-term care insurance")
        SERIOUS_ILLNESS = "serious_illness", _("Serious-illness insurance")
        SUPPLEMENTARY = "supplementary", _("Supplementary medical insurance")
        # Yuxi 第十六条（三）: 购买商业健康保险 (not 补充医疗保险).
        COMMERCIAL_HEALTH = "commercial_health", _("Commercial health insurance")

    authorisation = models.ForeignKey(
        SharingAuthorisation,
        verbose_name=_("authorisation"),
        on_delete=models.PROTECT,
        related_name="premium_payments",
    )
    member = models.ForeignKey(
        Person, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    ledger_entry = models.OneToOneField(
        "accounts.LedgerEntry", on_delete=models.PROTECT, related_name="premium_payment"
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

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("premium payment")
        verbose_name_plural = _("premium payments")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "year"], name="premium_once_per_member_kind_year"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="premium_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.year} {self.amount}"
