"""Personal medical accounts (个人账户): an append-only ledger with balances kept in step."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enrollment.models import Person

CREDIT_KINDS = ("payroll_credit", "retiree_credit")


class PersonalAccount(models.Model):
    """One person's personal account. ``balance`` always equals the sum of the account's ledger
    entries; it is changed only in the transaction that appends an entry, under a row lock."""

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="account"
    )
    balance = models.DecimalField(_("balance"), max_digits=14, decimal_places=2, default=0)
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("personal account")
        verbose_name_plural = _("personal accounts")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="account_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.balance}"


class LedgerEntry(models.Model):
    """One movement on a personal account (记账). Never updated or deleted (a trigger refuses it
    on PostgreSQL and SQLite); a correction is a new entry. ``amount`` is signed: credits are
    positive, debits negative; ``balance_after`` is the balance once this entry is applied.

    Credits carry their ``period`` (YYYY-MM) and are unique per account, kind and period, so a
    crediting run or a payroll file can be repeated without crediting anyone twice."""

    class Kind(models.TextChoices):
        PAYROLL_CREDIT = "payroll_credit", _("Payroll credit")
        RETIREE_CREDIT = "retiree_credit", _("Retiree credit")
        CLAIM_DEBIT = "claim_debit", _("Claim payment")
        SHARED_DEBIT = "shared_debit", _("Shared payment for a relative")
        PREMIUM_DEBIT = "premium_debit", _("Premium paid for a relative")
        REFUND = "refund", _("Refund")
        REVERSAL = "reversal", _("Reversal")
        ADJUSTMENT = "adjustment", _("Adjustment")
        TRANSFER_OUT = "transfer_out", _("Transfer out")

    # The account's own index would repeat the (account, created_at) index's lead; the links
    # to a relative and an authorisation are rarely set and get partial indexes (Meta).
    account = models.ForeignKey(
        PersonalAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="entries",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=14, decimal_places=2)
    period = models.CharField(_("period"), max_length=7, blank=True, default="")
    contribution_base = models.DecimalField(
        _("contribution base"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    reference = models.CharField(_("reference"), max_length=96, blank=True, default="")
    memo = models.CharField(_("memo"), max_length=200, blank=True, default="")
    # A shared payment or premium names the relative it was for and the authorisation used.
    member = models.ForeignKey(
        Person,
        verbose_name=_("for relative"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    sharing_authorisation = models.ForeignKey(
        "family_sharing.SharingAuthorisation",
        verbose_name=_("sharing authorisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
        db_index=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["account_id", "id"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        indexes = [
            # An account's entries in order, with the balance each left: "the balance before
            # a moment" is one index-only step (the policy replay reads it per settlement).
            models.Index(
                fields=["account", "created_at", "id"],
                include=["balance_after"],
                name="ledger_account_time",
            ),
            models.Index(fields=["reference"]),
            models.Index(
                fields=["member"], condition=Q(member__isnull=False), name="ledger_member_set"
            ),
            models.Index(
                fields=["sharing_authorisation"],
                condition=Q(sharing_authorisation__isnull=False),
                name="ledger_authorisation_set",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "period"],
                condition=Q(kind__in=CREDIT_KINDS),
                name="ledger_one_credit_per_account_kind_period",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="ledger_balance_after_not_negative"
            ),
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_amount_not_zero"),
            models.CheckConstraint(
                condition=~Q(kind__in=CREDIT_KINDS) | (Q(amount__gt=0) & ~Q(period="")),
                name="ledger_credit_positive_with_period",
            ),
            models.CheckConstraint(
                condition=~Q(
                    kind__in=("claim_debit", "shared_debit", "premium_debit", "transfer_out")
                )
                | Q(amount__lt=0),
                name="ledger_debit_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.amount} → {self.balance_after}"

    @property
    def is_credit(self) -> bool:
        return self.amount > Decimal("0")


class AnnualStatement(models.Model):
    """The year-end statement of one account (年度对账单), written once by the year-end close."""

    account = models.ForeignKey(
        PersonalAccount,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="statements",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    opening_balance = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    payroll_credits = models.DecimalField(_("payroll credits"), max_digits=14, decimal_places=2)
    retiree_credits = models.DecimalField(_("retiree credits"), max_digits=14, decimal_places=2)
    claim_debits = models.DecimalField(_("claim payments"), max_digits=14, decimal_places=2)
    shared_debits = models.DecimalField(_("shared payments"), max_digits=14, decimal_places=2)
    premium_debits = models.DecimalField(_("premiums paid"), max_digits=14, decimal_places=2)
    other_movements = models.DecimalField(
        _("refunds, reversals, adjustments, transfers"), max_digits=14, decimal_places=2
    )
    closing_balance = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2)
    pooled_paid = models.DecimalField(
        _("pooled fund paid"), max_digits=14, decimal_places=2, default=0
    )
    deductible_used = models.DecimalField(
        _("deductible used"), max_digits=14, decimal_places=2, default=0
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["account_id", "year"]
        verbose_name = _("annual statement")
        verbose_name_plural = _("annual statements")
        constraints = [
            models.UniqueConstraint(fields=["account", "year"], name="statement_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.year}"


class ClosedYear(models.Model):
    """A year whose close has run: its statements exist and next year's accumulators start
    at zero. Unique per year, which makes the close idempotent."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    accounts = models.PositiveIntegerField(_("accounts"), default=0)

    class Meta:
        verbose_name = _("closed year")
        verbose_name_plural = _("closed years")

    def __str__(self) -> str:
        return str(self.year)


class PayrollRow(models.Model):
    """A row of a payroll file while its job runs (staging for set-based checks and crediting).
    Rows are streamed in from the file in chunks and deleted when the job ends."""

    job_id = models.BigIntegerField(_("job"), db_index=True)
    row = models.PositiveIntegerField(_("row"))
    id_number = models.CharField(_("ID number"), max_length=32)
    name = models.CharField(_("name"), max_length=64)
    employer_code = models.CharField(_("employer code"), max_length=32)
    period = models.CharField(_("period"), max_length=7)
    base = models.DecimalField(_("contribution base"), max_digits=14, decimal_places=2)
    # Filled set-based after staging:
    person_id = models.BigIntegerField(null=True)
    account_id = models.BigIntegerField(null=True)
    region_id = models.BigIntegerField(null=True)
    already_credited = models.BooleanField(default=False)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta:
        verbose_name = _("payroll row")
        verbose_name_plural = _("payroll rows")
        indexes = [
            models.Index(fields=["job_id", "id_number", "period"]),
            models.Index(fields=["job_id", "account_id"]),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row}"
