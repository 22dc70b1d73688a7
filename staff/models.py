"""Bureau users are Django's ``auth.User``; roles are groups (see ``staff.roles``); API tokens
are ``rest_framework.authtoken.Token``. The one model of our own is the audit trail."""

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register

# Changes to bureau users reach the audit trail like other master data (password hashes and
# sign-in times stay out of it); role changes are recorded from ``m2m_changed``.
register(User, app=__package__, excluded_fields=["password", "last_login"])


class AuditEvent(models.Model):
    """审计日志: one row per money movement or master-data change — who, when, from where, what.

    Append-only: the database refuses UPDATE and DELETE on this table (a trigger, see the
    migration), ``save`` refuses to overwrite a row, and the admin shows it read-only. Person
    ids are plain integers (``staff`` imports no domain app); the page resolves them."""

    class Channel(models.TextChoices):
        WEB = "web", _("Web page")
        API = "api", _("API")
        ADMIN = "admin", _("Admin site")
        JOB = "job", _("Background job")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # a user who acted stays; deactivate instead
        related_name="+",
        db_index=False,  # audit_actor_at leads with it
    )
    actor_name = models.CharField(_("user name"), max_length=150, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    job_id = models.BigIntegerField(_("job"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    object_type = models.CharField(_("object type"), max_length=60, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    other_person_id = models.BigIntegerField(_("other person"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    changes = models.JSONField(_("what changed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person_id", "-at"], name="audit_person_at"),
            models.Index(fields=["other_person_id", "-at"], name="audit_other_person_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are never deleted.")


class ReviewRequest(models.Model):
    """复核申请: an act that moves money or rules after the fact (a reversal, a certification's
    approval, a policy publication), asked for by one user (经办) and carried out only when a
    second user approves it (复核). ``staff`` knows no domain model: the act names its object by
    type and id and carries what its own service needs in ``payload``; the apps register how
    each kind is carried out (``staff.reviews``). A decided request is never decided again."""

    class Kind(models.TextChoices):
        SETTLEMENT_REVERSAL = "settlement_reversal", _("Settlement reversal")
        CERTIFICATION_APPROVAL = "certification_approval", _("Certification approval")
        POLICY_PUBLICATION = "policy_publication", _("Policy publication")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", _("Approved on review")
        REJECTED = "rejected", _("Rejected on review")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    payload = models.JSONField(_("what will be done"), default=dict, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    decision_reason = models.CharField(
        _("reason for the decision"), max_length=200, blank=True, default=""
    )
    # What the act produced (e.g. the new policy version's id), for the object's page.
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"], name="review_status_kind")]
        constraints = [
            # One act awaiting review per object: a second request would be decided against a
            # state the first one changes.
            models.UniqueConstraint(
                fields=["kind", "object_type", "object_id"],
                condition=models.Q(status="pending"),
                name="review_one_pending_per_object",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
