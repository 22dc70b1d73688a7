"""The national platform's institution interface at /api/hsa/ (定点医药机构接口)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatewayConfig(AppConfig):
    name = "gateway"
    verbose_name = _("National platform interface")
