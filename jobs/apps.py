"""Background jobs with progress and error reports."""

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from . import builtin  # noqa: F401  (registers the built-in kinds)

        # Every app registers its job kinds in its own ``jobs.py``.
        autodiscover_modules("jobs")
