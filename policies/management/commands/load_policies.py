from django.core.management.base import BaseCommand

from policies.services import policies_load_seeds


class Command(BaseCommand):
    help = "Load the seeded regions and their policy versions (policies/seeds/*.json); idempotent."

    def handle(self, *args, **options):
        report = policies_load_seeds()
        for name in report.created:
            self.stdout.write(f"  created   {name}")
        for name in report.differing:
            self.stdout.write(self.style.WARNING(f"  differs   {name} (stored version kept)"))
        self.stdout.write(
            f"{len(report.created)} created, {len(report.unchanged)} unchanged, "
            f"{len(report.differing)} differing."
        )
