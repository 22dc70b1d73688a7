"""Chronic/special certifications, the settlement calculator, settlements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaimsConfig(AppConfig):
    name = "claims"
    verbose_name = _("Claims")

    def ready(self) -> None:
        from . import hooks, panels  # noqa: F401  (person-page panel)

        hooks.connect()

        from . import reviews

        reviews.register()
