"""Pooling regions and their versioned policy documents."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = _("Policies")

    def ready(self):
        # Pages, jobs and the audit trail label parameter paths through staff.codes.
        from staff.codes import register_dotted

        from .labels import label

        register_dotted(label)

        from . import reviews

        reviews.register()
