"""Managers' read models (汇总表): what the dashboards read instead of scanning raw tables.

Two kinds:

- **Claim summaries** (``ClaimDay``, ``InstitutionMonth``, ``DiseaseMonth``): each settlement
  and reversal writes one ``ClaimChange`` row in its own transaction (an insert: concurrent
  settlements never queue on a shared summary row), and ``summaries.claim_changes_fold`` adds
  the pending changes to the summaries and deletes them in one statement. Every dashboard page
  folds before it reads, and a Celery job folds every minute, so the pages show every
  committed settlement.
- **Snapshots** (``PersonsServed``, ``LedgerMonth``, ``AccountBand``, ``CapYear``) are
  recomputed by a Celery job from the raw tables (a distinct count does not add up; accounts
  and the ledger have many writers, several of them set-based SQL over a million rows); each
  page says when they were last refreshed (``SummaryRefresh``).

``manage.py rebuild_summaries`` recomputes all of them from the raw tables.
Money is net of reversals; a month is stored as its first day.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from policies.models import Region

#: Sums are wider than any one row (``DecimalField(14, 2)``): two accepted claims of
#: 600,000,000,000.00 from one institution overflowed numeric(14, 2), the fold failed and every
#: dashboard page answered 400. Twenty-two integer digits hold ten billion claims of the largest
#: amount a claim row can hold.
SUM_DIGITS = 24


def _money(verbose_name):
    return models.DecimalField(verbose_name, max_digits=SUM_DIGITS, decimal_places=2, default=0)


class ClaimFigures(models.Model):
    """The figures every claim summary carries (net of reversals)."""

    settlements = models.IntegerField(_("settlements"), default=0)
    total_amount = _money(_("total"))
    pool_paid = _money(_("pooled fund paid"))
    account_paid = _money(_("personal account paid"))
    family_account_paid = _money(_("family account paid"))
    cash_paid = _money(_("cash paid"))

    FIGURES = (
        "settlements",
        "total_amount",
        "pool_paid",
        "account_paid",
        "family_account_paid",
        "cash_paid",
    )

    class Meta:
        abstract = True


class ClaimDay(ClaimFigures):
    """结算日汇总: settlements per visit day × region × benefit × institution level × patient
    category."""

    day = models.DateField(_("day"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    benefit = models.CharField(_("benefit"), max_length=24)
    level = models.CharField(_("institution level"), max_length=16)
    category = models.CharField(_("category"), max_length=16)

    class Meta:
        verbose_name = _("daily claim summary")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "region", "benefit", "level", "category"], name="claimday_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id} {self.benefit} {self.level} {self.category}"


class InstitutionMonth(ClaimFigures):
    """机构月汇总: settlements per month × institution × the patients' region and category."""

    month = models.DateField(_("month"))
    institution = models.ForeignKey(
        "enrollment.Institution", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=16)

    class Meta:
        verbose_name = _("monthly institution summary")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "institution", "region", "category"], name="institutionmonth_key"
            )
        ]
        indexes = [models.Index(fields=["region", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.institution_id} {self.region_id} {self.category}"


class DiseaseMonth(ClaimFigures):
    """病种月汇总: chronic and special-disease settlements per month × region × category ×
    benefit × disease."""

    month = models.DateField(_("month"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=16)
    benefit = models.CharField(_("benefit"), max_length=24)
    disease_code = models.CharField(_("disease code"), max_length=16)

    class Meta:
        verbose_name = _("monthly disease summary")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "region", "category", "benefit", "disease_code"],
                name="diseasemonth_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id} {self.disease_code}"


class ClaimChange(ClaimFigures):
    """待汇总的结算变动: a settlement (``settlements`` = +1, figures as settled) or a reversal
    (−1, figures negated) not yet added to the claim summaries. Written in the settlement's
    transaction, deleted by the fold that adds it; the table is empty between folds. Keys are
    plain columns (no foreign keys): an outbox row is checked by the settlement that wrote it."""

    day = models.DateField(_("day"))
    region_id = models.BigIntegerField(_("region"))
    institution_id = models.BigIntegerField(_("institution"))
    benefit = models.CharField(_("benefit"), max_length=24)
    level = models.CharField(_("institution level"), max_length=16)
    category = models.CharField(_("category"), max_length=16)
    disease_code = models.CharField(_("disease code"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("pending claim change")

    def __str__(self) -> str:
        return f"{self.day} {self.institution_id} {self.settlements:+d}"


class PersonsServed(models.Model):
    """就诊人数 (snapshot): persons with at least one settled claim per month × region ×
    category."""

    month = models.DateField(_("month"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=16)
    persons = models.IntegerField(_("persons served"), default=0)

    class Meta:
        verbose_name = _("persons served")
        constraints = [
            models.UniqueConstraint(fields=["month", "region", "category"], name="served_key")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id} {self.category}: {self.persons}"


class LedgerMonth(models.Model):
    """账户收支月汇总 (snapshot): ledger entries per month × the account holder's region × kind."""

    month = models.DateField(_("month"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=24)
    entries = models.IntegerField(_("entries"), default=0)
    amount = _money(_("amount"))

    class Meta:
        verbose_name = _("monthly ledger summary")
        constraints = [
            models.UniqueConstraint(fields=["month", "region", "kind"], name="ledgermonth_key")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.region_id} {self.kind}"


class AccountBand(models.Model):
    """账户余额分布 (snapshot): accounts per region and balance band, their balances, and how
    many had no movement for a year (沉睡账户)."""

    BANDS = ("0", "0–100", "100–500", "500–1000", "1000–2000", "2000–5000", "5000–10000", "10000+")
    EDGES = (0, 100, 500, 1000, 2000, 5000, 10000)  # upper bounds (inclusive) of bands 0..6

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    band = models.PositiveSmallIntegerField(_("balance band"))
    accounts = models.IntegerField(_("accounts"), default=0)
    balance = _money(_("balance"))
    dormant = models.IntegerField(_("no movement for a year"), default=0)

    class Meta:
        verbose_name = _("account balance band")
        constraints = [models.UniqueConstraint(fields=["region", "band"], name="accountband_key")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.BANDS[self.band]}"


class CapYear(models.Model):
    """起付线与封顶线 (snapshot): per year, region and category, persons with general-outpatient
    spending, those past the annual deductible and those who reached the annual cap (thresholds
    of the policy in force at the year's end, or today for the current year). ``None`` where
    the policy has no such threshold (a per-visit deductible, an unlimited or unset cap)."""

    year = models.PositiveSmallIntegerField(_("year"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=16)
    persons = models.IntegerField(_("persons with spending"), default=0)
    past_deductible = models.IntegerField(_("past the deductible"), null=True)
    reached_cap = models.IntegerField(_("reached the cap"), null=True)

    class Meta:
        verbose_name = _("caps and deductibles")
        constraints = [
            models.UniqueConstraint(fields=["year", "region", "category"], name="capyear_key")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.region_id} {self.category}"


class AuthorisationCount(models.Model):
    """家庭共济授权 (snapshot): active family-sharing authorisations per holder's region and
    relation."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    relation = models.CharField(_("relation"), max_length=16)
    active = models.IntegerField(_("active authorisations"), default=0)

    class Meta:
        verbose_name = _("authorisations by relation")
        constraints = [
            models.UniqueConstraint(fields=["region", "relation"], name="authorisationcount_key")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.relation}: {self.active}"


class CertificationCount(models.Model):
    """门诊慢特病认定 (snapshot): certifications per person's region, disease and status."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    disease_code = models.CharField(_("disease code"), max_length=16)
    disease_name = models.CharField(_("disease"), max_length=128)
    status = models.CharField(_("status"), max_length=16)
    certifications = models.IntegerField(_("certifications"), default=0)

    class Meta:
        verbose_name = _("certifications by disease")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "disease_code", "status"], name="certificationcount_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.disease_code} {self.status}: {self.certifications}"


class SummaryRefresh(models.Model):
    """When a snapshot was last recomputed (one row per snapshot name)."""

    name = models.CharField(max_length=32, unique=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("summary refresh")

    def __str__(self) -> str:
        return f"{self.name} {self.refreshed_at}"
