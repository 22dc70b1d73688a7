"""Managers' read models, charts and exports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from claims.settlement import register_summary_writer

        from .summaries import claim_statements

        register_summary_writer(claim_statements)
