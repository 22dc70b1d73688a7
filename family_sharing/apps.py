"""Family sharing of personal accounts (家庭共济)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FamilySharingConfig(AppConfig):
    name = "family_sharing"
    verbose_name = _("Family sharing")

    def ready(self) -> None:
        from . import panels  # noqa: F401  (person-page panel)
