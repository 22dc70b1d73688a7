"""Chronic and special outpatient diseases (门诊慢特病): the catalogue and certifications.

Year-to-date accumulators and settlements (结算) live here too.
"""

from decimal import Decimal

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
    history = HistoricalRecords()

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


class Accumulator(models.Model):
    """Year-to-date figures of one person, year and benefit bucket (年度累计): deductible used
    and pooled fund paid. Locked first in every settlement and reversal."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="accumulators")
    year = models.PositiveSmallIntegerField(_("year"))
    bucket = models.CharField(_("bucket"), max_length=24)
    deductible_used = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    pooled = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("year-to-date accumulator")
        verbose_name_plural = _("year-to-date accumulators")
        constraints = [
            models.UniqueConstraint(fields=["person", "year", "bucket"], name="accumulator_unique"),
            models.CheckConstraint(
                condition=Q(deductible_used__gte=0) & Q(pooled__gte=0),
                name="accumulator_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.bucket}"


class InpatientTotal(models.Model):
    """A person's inpatient pooled total for a year as the inpatient system reports it (住院统筹
    基金年度累计支付). Settlement counts it with the outpatient pooled payments a region's document
    shares with inpatient care (``combined_annual_max``). Each report replaces the figure; the
    history keeps every earlier one."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="inpatient_totals")
    year = models.PositiveSmallIntegerField(_("year"))
    pooled = models.DecimalField(_("inpatient pooled total"), max_digits=14, decimal_places=2)
    as_of = models.DateField(_("as of"))
    source = models.CharField(_("source"), max_length=200)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("inpatient pooled total")
        verbose_name_plural = _("inpatient pooled totals")
        constraints = [
            models.UniqueConstraint(fields=["person", "year"], name="inpatient_total_unique"),
            models.CheckConstraint(condition=Q(pooled__gte=0), name="inpatient_total_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.year} {self.pooled}"


_PAYERS = (
    models.F("pool_paid")
    + models.F("account_paid")
    + models.F("family_account_paid")
    + models.F("cash_paid")
)


class Settlement(models.Model):
    """One settled outpatient claim (结算), with every figure of DESIGN.md's response and the
    explanation lines citing the policy. Reversal (撤销) keeps the row and marks it."""

    class Status(models.TextChoices):
        SETTLED = "settled", _("Settled")
        REVERSED = "reversed", _("Reversed")

    class Channel(models.TextChoices):
        ONLINE = "online", _("Settled on-line")
        MANUAL = "manual", _("Manual reimbursement")

    claim_number = models.CharField(_("claim number"), max_length=64)
    # Every index is written on every settlement: the institution's and the person's lead
    # the claim-number and visit indexes below, and the rarely set links get partial indexes.
    institution = models.ForeignKey(
        "enrollment.Institution",
        on_delete=models.PROTECT,
        related_name="settlements",
        db_index=False,
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="settlements", db_index=False
    )
    account_holder = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sharing_authorisation = models.ForeignKey(
        "family_sharing.SharingAuthorisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="settlements",
        db_index=False,
    )
    prescribing_institution = models.ForeignKey(
        "enrollment.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    # Indexed by ``settlement_version_person`` (version, person, id), which leads with it.
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="settlements",
        db_index=False,
    )
    visit_date = models.DateField(_("visit date"))
    benefit = models.CharField(_("benefit"), max_length=24)
    disease_code = models.CharField(_("disease code"), max_length=16, blank=True, default="")
    out_of_region_filed = models.BooleanField(default=False)
    # How the claim came: on-line (API, HIS gateway) or 手工报销 keyed in by a clerk from the
    # paper invoice (e.g. Yuxi 第二十一条: claims that could not be settled on-line).
    channel = models.CharField(
        _("channel"), max_length=8, choices=Channel.choices, default=Channel.ONLINE
    )
    use_account = models.BooleanField(default=True)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2)
    self_pay_amount = models.DecimalField(max_digits=14, decimal_places=2)
    class_b_amount = models.DecimalField(max_digits=14, decimal_places=2)
    policy_amount = models.DecimalField(max_digits=14, decimal_places=2)
    first_pay_amount = models.DecimalField(max_digits=14, decimal_places=2)
    deductible_applied = models.DecimalField(max_digits=14, decimal_places=2)
    pool_paid = models.DecimalField(max_digits=14, decimal_places=2)
    # The part of pool_paid paid above the benefit's annual cap at another ratio (Yuxi 第九条),
    # accrued in its own bucket (``general_above_cap``) so a reversal restores it exactly.
    pool_paid_above_cap = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    account_paid = models.DecimalField(max_digits=14, decimal_places=2)
    family_account_paid = models.DecimalField(max_digits=14, decimal_places=2)
    cash_paid = models.DecimalField(max_digits=14, decimal_places=2)
    deductible_bucket = models.CharField(max_length=24)
    # Snapshots for reporting (the dashboards group by them): the patient's category and the
    # institution's level on the visit, which later retirement or regrading must not rewrite.
    patient_category = models.CharField(_("patient category"), max_length=16, default="employee")
    institution_level = models.CharField(
        _("institution level"), max_length=16, blank=True, default=""
    )  # "1", "2", "3", "pharmacy", or "" for an ungraded institution
    explanation = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SETTLED)
    request_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Why it was reversed (撤销原因): required on the clerk's page, optional over the API.
    reversal_reason = models.CharField(
        _("reason for the reversal"), max_length=200, blank=True, default=""
    )
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        indexes = [
            models.Index(fields=["person", "visit_date"]),
            # A region's settlements by person in order (the policy replay's chunks): in place
            # of the foreign key's own index on the version alone, so no index more to write.
            models.Index(
                fields=["policy_version", "person", "id"], name="settlement_version_person"
            ),
            *(
                models.Index(fields=[name], condition=Q(**{f"{name}__isnull": False}), name=index)
                for name, index in [
                    ("account_holder", "settlement_holder_set"),
                    ("sharing_authorisation", "settlement_authorisation_set"),
                    ("prescribing_institution", "settlement_prescriber_set"),
                    ("reversed_by", "settlement_reversed_by_set"),
                ]
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "claim_number"], name="settlement_claim_number_unique"
            ),
            # Within half a fen: exact equality for two-place NUMERIC (PostgreSQL), and true to
            # the cent where the embedded SQLite keeps decimals as binary floats.
            models.CheckConstraint(
                condition=Q(total_amount__gt=_PAYERS - Decimal("0.005"))
                & Q(total_amount__lt=_PAYERS + Decimal("0.005")),
                name="settlement_payers_sum_to_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution_id}/{self.claim_number}"
