"""Employers, insured persons, designated institutions and inpatient stays (参保登记)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from policies.models import Region
from staff.pinyin import initials

from .id_numbers import InvalidIdNumber, mask, parse


class Employer(models.Model):
    """A contributing employer (参保单位), identified by its bureau code."""

    code = models.CharField(_("employer code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    # Pinyin initials of the name (张三 → zs), filled on save, indexed: search by initials.
    name_initials = models.CharField(
        _("pinyin initials"), max_length=64, blank=True, db_index=True, editable=False
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="employers"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("employer")
        verbose_name_plural = _("employers")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.name_initials = initials(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "name_initials"}
        super().save(*args, **kwargs)


class Institution(models.Model):
    """A medical institution or retail pharmacy (定点医药机构). Only designated ones get pooled
    payments; a hospital has a level 1–3, a pharmacy none (its claims use the prescribing
    institution's level, or the region's pharmacy ratio)."""

    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Medical institution")
        PHARMACY = "pharmacy", _("Retail pharmacy")

    class Level(models.TextChoices):
        ONE = "1", _("Level 1")
        TWO = "2", _("Level 2")
        THREE = "3", _("Level 3")

    code = models.CharField(_("institution code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    # Pinyin initials of the name (张三 → zs), filled on save, indexed: search by initials.
    name_initials = models.CharField(
        _("pinyin initials"), max_length=64, blank=True, db_index=True, editable=False
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="institutions"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # null, not "": the API contract (DESIGN.md) says a pharmacy's level is null.
    level = models.CharField(  # noqa: DJ001
        _("level"), max_length=1, choices=Level.choices, null=True, blank=True
    )
    designated = models.BooleanField(_("designated"), default=True)
    # 专科医疗机构: some documents admit specialist institutions of any level for a benefit
    # (Jilin 一: 门诊特殊疾病 … 专科医疗机构（不限定等级）).
    specialist = models.BooleanField(_("specialist institution"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="hospital") & models.Q(level__isnull=False))
                | (models.Q(kind="pharmacy") & models.Q(level__isnull=True)),
                name="institution_level_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        self.name_initials = initials(self.name)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "name_initials"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # Backed-up by clean(), which names the field (see Person.validate_constraints).
        return super().validate_constraints(exclude=set(exclude or ()) | {"kind", "level"})

    def clean(self):
        self.level = self.level or None
        if self.kind == self.Kind.HOSPITAL and not self.level:
            raise ValidationError(
                {"level": _("A medical institution needs its level (1, 2 or 3).")}
            )
        if self.kind == self.Kind.PHARMACY and self.level:
            raise ValidationError(
                {
                    "level": _(
                        "A pharmacy has no level; leave it empty (its claims use the "
                        "prescribing institution's level)."
                    )
                }
            )


CLEAN_COVERED = {"contribution_base", "retirement_date", "category", "scheme", "employer"}


class Person(models.Model):
    """An insured person (参保人员).

    ``scheme`` is ``employee`` (职工医保) or ``resident`` (a relative insured under the residents'
    scheme: no personal account, no employee pooled benefits, may be a family-sharing member).
    Birth date and gender are derived from the ID number; one person per ID number.
    """

    class Scheme(models.TextChoices):
        EMPLOYEE = "employee", _("Employee scheme")
        RESIDENT = "resident", _("Residents' scheme")

    class Category(models.TextChoices):
        EMPLOYEE = "employee", _("Active employee")
        RETIREE = "retiree", _("Retiree")

    class Employment(models.TextChoices):
        EMPLOYER = "employer", _("With an employer")
        FLEXIBLE = "flexible", _("Flexible employment")
        SINGLE_POOLING = "single_pooling", _("Pooling-only enrolment")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARREARS = "arrears", _("Contribution arrears")
        SUSPENDED = "suspended", _("Suspended")

    class Gender(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")

    id_number = models.CharField(_("ID number"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=64)
    # Pinyin initials of the name (张三 → zs), filled on save, indexed: search by initials.
    name_initials = models.CharField(
        _("pinyin initials"), max_length=64, blank=True, db_index=True, editable=False
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="persons"
    )
    scheme = models.CharField(
        _("scheme"), max_length=16, choices=Scheme.choices, default=Scheme.EMPLOYEE
    )
    category = models.CharField(
        _("category"), max_length=16, choices=Category.choices, default=Category.EMPLOYEE
    )
    employment = models.CharField(
        _("employment"), max_length=16, choices=Employment.choices, default=Employment.EMPLOYER
    )
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="persons",
    )
    contribution_base = models.DecimalField(
        _("contribution base"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    retirement_date = models.DateField(_("retirement date"), null=True, blank=True)
    # A group a region's document leaves to a later rule (``later_rule_groups``): e.g. Wuhan
    # 第五条, retirees who joined an enterprise from the army before the end of 1953.
    rule_group = models.CharField(
        _("group with its own rule"),
        max_length=32,
        blank=True,
        default="",
        choices=[
            ("", _("None")),
            ("veteran_before_1954", _("Joined an enterprise from the army before the end of 1953")),
            ("single_pooling_lower_rate", _("Pooling-only enrolment at a lower rate")),
        ],
    )
    benefits_from = models.DateField(_("benefits from"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    birth_date = models.DateField(_("birth date"), editable=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["id"]
        verbose_name = _("insured person")
        verbose_name_plural = _("insured persons")
        indexes = [models.Index(fields=["name"]), models.Index(fields=["region", "category"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contribution_base__gte=0)
                | models.Q(contribution_base__isnull=True),
                name="person_contribution_base_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(category="retiree") | models.Q(retirement_date__isnull=False),
                name="person_retiree_has_retirement_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(scheme="resident") | models.Q(employer__isnull=True),
                name="person_resident_has_no_employer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.masked_id_number}）"

    def save(self, *args, **kwargs):
        self.name_initials = initials(self.name, surname=True)
        fields = kwargs.get("update_fields")
        if fields is not None and "name" in fields:
            kwargs["update_fields"] = {*fields, "name_initials"}
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # The check constraints back up clean(), which already names the field and the reason;
        # repeating them as anonymous "constraint violated" errors would only confuse a clerk.
        return super().validate_constraints(exclude=set(exclude or ()) | CLEAN_COVERED)

    @property
    def masked_id_number(self) -> str:
        return mask(self.id_number)

    def derive_from_id_number(self) -> None:
        facts = parse(self.id_number)
        self.id_number = facts.number
        self.birth_date = facts.birth_date
        self.gender = facts.gender

    @classmethod
    def from_db(cls, db, field_names, values):
        person = super().from_db(db, field_names, values)
        # The retirement date as stored, so ``clean`` checks a date only when it is entered.
        person._stored_retirement_date = person.__dict__.get("retirement_date")
        return person

    def clean(self):
        """The registration rules. Each refusal names its field and says why."""
        errors: dict[str, str] = {}
        try:
            self.derive_from_id_number()
        except InvalidIdNumber as exc:
            raise ValidationError({"id_number": str(exc)}) from None
        if self.scheme == self.Scheme.RESIDENT:
            if self.employer_id:
                errors["employer"] = _(
                    "A person insured under the residents' scheme has no employer."
                )
        else:
            if self.category == self.Category.RETIREE and not self.retirement_date:
                errors["retirement_date"] = _("A retiree needs a retirement date.")
            if (
                self.employment == self.Employment.EMPLOYER
                and self.category == self.Category.EMPLOYEE
                and not self.employer_id
            ):
                errors["employer"] = _("An employee with an employer needs the employer's code.")
            if self.employment == self.Employment.FLEXIBLE and self.employer_id:
                errors["employer"] = _("A flexible-employment worker has no employer.")
        if self.retirement_date and self.birth_date and self.retirement_date <= self.birth_date:
            errors["retirement_date"] = _("The retirement date is not after the birth date.")
        elif (
            self.retirement_date
            and self.retirement_date > timezone.localdate()
            and self.retirement_date != getattr(self, "_stored_retirement_date", None)
        ):
            # A retiree from a day still to come would be settled and credited as a retiree
            # now (2099-12-31 was accepted): a retirement is recorded once it has happened.
            # Checked when the date is entered or changed: a row stored before this rule can
            # still be edited in its other fields.
            errors["retirement_date"] = _(
                "Retirement date: %(date)s is in the future; record the retirement on or after"
                " that day."
            ) % {"date": self.retirement_date}
        if self.benefits_from and self.birth_date and self.benefits_from < self.birth_date:
            errors["benefits_from"] = _("Benefits cannot start before the birth date.")
        if self.contribution_base is not None and self.contribution_base < 0:
            errors["contribution_base"] = _("The contribution base cannot be negative.")
        if errors:
            raise ValidationError(errors)

    def age_on(self, day) -> int:
        """Age in full years on ``day``."""
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class InpatientStay(models.Model):
    """An inpatient stay (住院). While it lasts the person gets no outpatient pooled benefits
    (Baotou 第十条, Jilin 六(三)); ``discharged_on`` is null while the person is in hospital."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="inpatient_stays"
    )
    admitted_on = models.DateField(_("admitted on"))
    discharged_on = models.DateField(_("discharged on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-admitted_on"]
        verbose_name = _("inpatient stay")
        verbose_name_plural = _("inpatient stays")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True)
                | models.Q(discharged_on__gte=models.F("admitted_on")),
                name="inpatient_stay_discharged_after_admission",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.admitted_on}–{self.discharged_on or '…'}"

    def covers(self, day) -> bool:
        return self.admitted_on <= day and (self.discharged_on is None or day <= self.discharged_on)


class InstitutionUser(models.Model):
    """An API user acting for one designated institution (定点机构接口账号): it settles and
    sees only that institution's claims."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="institution_link",
    )
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="api_users",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("institution API user")
        verbose_name_plural = _("institution API users")

    def __str__(self) -> str:
        return f"{self.user} → {self.institution}"


class OutOfRegionFiling(models.Model):
    """An out-of-region care filing (异地就医备案): the person may be treated in ``region`` from
    ``valid_from`` to ``valid_to`` as a filed patient (Baotou 第十五条: same level, same ratio,
    counted in the annual limit; Wuhan 第十七条: a long-term filing — 异地安置、常驻异地、异地长期
    居住 — covers only the place filed). A temporary filing carries its end date. Ending a filing
    sets ``valid_to`` and the reason; the row stays."""

    class Kind(models.TextChoices):
        LONG_TERM = "long_term", _("Long-term residence elsewhere")
        TEMPORARY = "temporary", _("Temporary care elsewhere")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="filings"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("place filed"), on_delete=models.PROTECT, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-valid_from", "-id"]
        verbose_name = _("out-of-region filing")
        verbose_name_plural = _("out-of-region filings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="filing_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="temporary") | models.Q(valid_to__isnull=False),
                name="filing_temporary_has_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.region_id} {self.valid_from}–{self.valid_to}"

    def covers(self, day, region_code: str) -> bool:
        """A filing covers a visit on ``day`` at an institution of ``region_code``: the place
        filed itself; a temporary filing to a province also covers its cities."""
        if not (self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)):
            return False
        return filing_covers_place(self.kind, self.region.code, region_code)


def filing_covers_place(kind: str, filed: str, place: str) -> bool:
    if place == filed:
        return True
    return kind == "temporary" and filed.endswith("0000") and place[:2] == filed[:2]
