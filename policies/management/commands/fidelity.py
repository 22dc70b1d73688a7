from django.core.management.base import BaseCommand

from policies.fidelity import write


class Command(BaseCommand):
    help = "Rewrite policies/FIDELITY.md from the seeded policy files and the documents' texts."

    def handle(self, *args, **options):
        self.stdout.write(f"written {write()}")
