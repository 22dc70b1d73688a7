"""Personal medical accounts (个人账户): ledger, crediting, year-end close."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Personal accounts")

    def ready(self) -> None:
        from . import panels, receivers  # noqa: F401  (signal listeners, person-page panel)
