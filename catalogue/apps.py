"""The medical catalogue (医保目录): items, per-region overrides, the fee-line split."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Medical catalogue")
