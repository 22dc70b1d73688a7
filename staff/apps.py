"""Bureau users, roles (groups), API tokens, permissions and the audit trail."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from simple_history.signals import post_create_historical_record

        from .audit import history_recorded, signed_in, signed_out

        post_create_historical_record.connect(history_recorded, dispatch_uid="staff.audit")
        user_logged_in.connect(signed_in, dispatch_uid="staff.audit.in")
        user_logged_out.connect(signed_out, dispatch_uid="staff.audit.out")

        from django.contrib.auth.models import User
        from django.db.models.signals import m2m_changed

        from .audit import roles_changed

        m2m_changed.connect(roles_changed, sender=User.groups.through, dispatch_uid="staff.roles")
