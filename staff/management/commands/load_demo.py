"""Load the demo data every app contributes (``<app>/demo.py`` with ``load(stdout)``).

Apps are visited in INSTALLED_APPS order, which follows the dependency order of DESIGN.md, so
regions exist before persons, persons before accounts, and so on. Each loader is idempotent.
"""

from importlib import import_module
from importlib.util import find_spec

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load seeded regions and demo data (idempotent)."

    def handle(self, *args, **options):
        for app_config in apps.get_app_configs():
            module_name = f"{app_config.name}.demo"
            if find_spec(module_name) is None:
                continue
            self.stdout.write(self.style.MIGRATE_HEADING(f"{app_config.verbose_name}:"))
            import_module(module_name).load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
