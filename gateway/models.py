"""What the HIS interface keeps: messages (idempotency by msgid), sign-ins, visits and their fee
lines, the settlements made through it, and files uploaded for reconciliation.

The gateway only translates: money moves in ``claims.settlement``; these rows remember what the
institution sent and how each of its messages was answered.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """An institution's message (报文) that was answered with success, keyed by its msgid: the
    same message again gets the stored answer, another message with that msgid is refused.
    Refusals are not stored (a refusal changes nothing), so a corrected message may reuse it."""

    institution = models.ForeignKey(
        "enrollment.Institution", on_delete=models.PROTECT, related_name="+"
    )
    msgid = models.CharField(_("message id"), max_length=30)
    infno = models.CharField(_("transaction"), max_length=6)
    body_hash = models.CharField(max_length=64)
    answer = models.JSONField()
    # Set when a 2601 (冲正) undid what this message did.
    reversed_by = models.CharField(max_length=30, blank=True, default="")
    # The visit a 2204 uploaded lines to or a 2207 settled: a 2601 finds the original's lines
    # and settlement through the visit's indexes instead of scanning every line and every
    # settlement for the msgid. Never read by visit, so not indexed; null for other messages.
    visit = models.ForeignKey(
        "Visit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interface message")
        verbose_name_plural = _("interface messages")
        constraints = [
            models.UniqueConstraint(fields=["institution", "msgid"], name="gateway_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.infno} {self.msgid}"


class SignIn(models.Model):
    """A 9001 sign-in of an operator at the institution (签到)."""

    institution = models.ForeignKey(
        "enrollment.Institution", on_delete=models.PROTECT, related_name="+"
    )
    sign_no = models.CharField(max_length=30, unique=True)
    opter_no = models.CharField(max_length=20)
    ip = models.CharField(max_length=20)
    mac = models.CharField(max_length=20, blank=True, default="")
    signed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interface sign-in")
        verbose_name_plural = _("interface sign-ins")

    def __str__(self) -> str:
        return self.sign_no


class Visit(models.Model):
    """An outpatient visit registered by 2201 (门诊挂号); ``mdtrt_id`` is ours, opaque."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        CANCELLED = "cancelled", _("Cancelled")

    institution = models.ForeignKey(
        "enrollment.Institution", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("enrollment.Person", on_delete=models.PROTECT, related_name="+")
    mdtrt_id = models.CharField(max_length=30, unique=True)
    ipt_otp_no = models.CharField(max_length=30)
    insutype = models.CharField(max_length=6)
    begntime = models.DateTimeField()
    med_type = models.CharField(max_length=6, blank=True, default="")
    dise_codg = models.CharField(max_length=30, blank=True, default="")
    dise_name = models.CharField(max_length=500, blank=True, default="")
    registration = models.JSONField(default=dict)  # doctor, department, certificate
    diagnoses = models.JSONField(default=list)  # 2203's diseinfo
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REGISTERED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interface visit")
        verbose_name_plural = _("interface visits")
        indexes = [models.Index(fields=["institution", "ipt_otp_no"])]

    def __str__(self) -> str:
        return self.mdtrt_id


class FeeLine(models.Model):
    """A fee line uploaded by 2204 (费用明细), split against the catalogue when it arrived."""

    # Indexed by ``gateway_feeline_unsettled`` (and the unique constraint), not on its own.
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="lines", db_index=False)
    feedetl_sn = models.CharField(max_length=30)
    chrg_bchno = models.CharField(max_length=30)
    msgid = models.CharField(max_length=30)  # the 2204 that uploaded it (for 2601)
    med_list_codg = models.CharField(max_length=50)
    medins_list_codg = models.CharField(max_length=150)
    fee_ocur_time = models.DateTimeField()
    det_item_fee_sumamt = models.DecimalField(max_digits=14, decimal_places=2)
    cnt = models.DecimalField(max_digits=16, decimal_places=4)
    pric = models.DecimalField(max_digits=16, decimal_places=6)
    chrgitm_lv = models.CharField(max_length=2)
    med_chrgitm_type = models.CharField(max_length=2, blank=True, default="")
    pric_uplmt_amt = models.DecimalField(max_digits=16, decimal_places=6, null=True)
    selfpay_prop = models.DecimalField(max_digits=5, decimal_places=4)
    own_proportion = models.BooleanField(default=False)  # the item's own, not the region's rate
    fulamt_ownpay_amt = models.DecimalField(max_digits=14, decimal_places=2)
    overlmt_amt = models.DecimalField(max_digits=14, decimal_places=2)
    preselfpay_amt = models.DecimalField(max_digits=14, decimal_places=2)
    inscp_scp_amt = models.DecimalField(max_digits=14, decimal_places=2)
    settlement = models.ForeignKey(
        "claims.Settlement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("interface fee line")
        verbose_name_plural = _("interface fee lines")
        constraints = [
            models.UniqueConstraint(fields=["visit", "feedetl_sn"], name="gateway_feeline_sn")
        ]
        # A visit's unsettled lines (2206/2207's sums, 2207's marking) found by both columns:
        # with only the single-column indexes PostgreSQL ANDed the visit's entries with every
        # ``settlement_id IS NULL`` entry of the table, dead ones included (each 2207 leaves
        # its lines' old versions there until a vacuum), a cost growing with the table.
        indexes = [models.Index(fields=["visit", "settlement"], name="gateway_feeline_unsettled")]

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.feedetl_sn}"


class VisitSettlement(models.Model):
    """A settlement made by 2207, with what the platform's answers need beside it, and which
    transaction undid it (2208 撤销 or 2601 冲正: never both)."""

    settlement = models.OneToOneField(
        "claims.Settlement", on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="settlements")
    msgid = models.CharField(max_length=30)
    med_type = models.CharField(max_length=6)
    insutype = models.CharField(max_length=6)
    clr_type = models.CharField(max_length=3)
    mdtrt_cert_type = models.CharField(max_length=3)
    fulamt_ownpay_amt = models.DecimalField(max_digits=14, decimal_places=2)
    overlmt_selfpay = models.DecimalField(max_digits=14, decimal_places=2)
    own_preselfpay_amt = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    undone_by = models.CharField(max_length=4, blank=True, default="")  # "", "2208", "2601"

    class Meta:
        verbose_name = _("interface settlement")
        verbose_name_plural = _("interface settlements")

    def __str__(self) -> str:
        return f"{self.visit_id}:{self.settlement_id}"


class UploadedFile(models.Model):
    """A file the institution uploaded (9101) for 3202's settlement-by-settlement check."""

    institution = models.ForeignKey(
        "enrollment.Institution", on_delete=models.PROTECT, related_name="+"
    )
    file_qury_no = models.CharField(max_length=40, unique=True)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interface file")
        verbose_name_plural = _("interface files")

    def __str__(self) -> str:
        return self.file_qury_no
