"""The medical catalogue (医保目录): what the fund pays for and at what price ceiling.

An item is keyed by its national code (``med_list_codg``); a region may override its level,
ceiling and self-pay proportion (地方目录调整). Fee lines of a visit are split against the item
in force on the line's date (``catalogue.split``).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DRUG = "drug", _("Drug")
    SERVICE = "service", _("Medical service")
    MATERIAL = "material", _("Medical material")


class Level(models.TextChoices):
    A = "01", _("Class A (甲类)")
    B = "02", _("Class B (乙类)")
    C = "03", _("Class C (丙类, self-paid)")


CHARGE_TYPES = {
    "01": "床位费",
    "02": "诊察费",
    "03": "检查费",
    "04": "化验费",
    "05": "治疗费",
    "06": "手术费",
    "07": "护理费",
    "08": "卫生材料费",
    "09": "西药费",
    "10": "中药饮片费",
    "11": "中成药费",
    "12": "一般诊疗费",
    "13": "挂号费",
    "14": "其他费",
}


class CatalogueItem(models.Model):
    """A national catalogue item (医保目录条目): drug, medical service or material, with its
    payment level (甲/乙/丙), charge type, unit price ceiling (null = none) and self-pay
    proportion (null = the region's ``class_b_first_pay_rate`` for 乙类, 0 for 甲类)."""

    code = models.CharField(_("national code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Pinyin initials of the name (e.g. 阿莫西林胶囊 → amxljn), for the clerks' search.
    initials = models.CharField(_("pinyin initials"), max_length=200, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    chrgitm_lv = models.CharField(_("payment level"), max_length=2, choices=Level.choices)
    med_chrgitm_type = models.CharField(_("charge type"), max_length=2)
    price_ceiling = models.DecimalField(
        _("price ceiling"), max_digits=16, decimal_places=6, null=True, blank=True
    )
    selfpay_prop = models.DecimalField(
        _("self-pay proportion"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("catalogue item")
        verbose_name_plural = _("catalogue items")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def charge_type_label(self) -> str:
        return CHARGE_TYPES.get(self.med_chrgitm_type, "")


class CatalogueOverride(models.Model):
    """A region's adjustment of a national item (地方目录调整): its level, ceiling and self-pay
    proportion there replace the national ones for visits at institutions of that region."""

    item = models.ForeignKey(
        CatalogueItem, verbose_name=_("item"), on_delete=models.CASCADE, related_name="overrides"
    )
    region = models.ForeignKey(
        "policies.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    chrgitm_lv = models.CharField(_("payment level"), max_length=2, choices=Level.choices)
    price_ceiling = models.DecimalField(
        _("price ceiling"), max_digits=16, decimal_places=6, null=True, blank=True
    )
    selfpay_prop = models.DecimalField(
        _("self-pay proportion"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("regional catalogue override")
        verbose_name_plural = _("regional catalogue overrides")
        constraints = [
            models.UniqueConstraint(fields=["item", "region"], name="catalogue_override_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}@{self.region_id}"


class CatalogueRow(models.Model):
    """A row of a catalogue file while its import job runs (staging for set-based checks and
    the upsert). Streamed in by chunks, deleted when the job ends."""

    job_id = models.BigIntegerField(_("job"), db_index=True)
    row = models.PositiveIntegerField(_("row"))
    code = models.CharField(max_length=50)
    name = models.CharField(max_length=200)
    initials = models.CharField(max_length=200)
    kind = models.CharField(max_length=16)
    chrgitm_lv = models.CharField(max_length=2)
    med_chrgitm_type = models.CharField(max_length=2)
    price_ceiling = models.DecimalField(max_digits=16, decimal_places=6, null=True)
    selfpay_prop = models.DecimalField(max_digits=5, decimal_places=4, null=True)
    valid_from = models.DateField(null=True)
    valid_to = models.DateField(null=True)
    region = models.CharField(max_length=6, blank=True, default="")

    class Meta:
        verbose_name = _("catalogue file row")
        verbose_name_plural = _("catalogue file rows")
        indexes = [models.Index(fields=["job_id", "code", "region"])]

    def __str__(self) -> str:
        return f"job {self.job_id} row {self.row}"
