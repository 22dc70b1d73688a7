"""``manage.py rebuild_summaries``: every dashboard read model recomputed from the raw tables."""

import time

from django.core.management.base import BaseCommand

from dashboards.summaries import rebuild_all


class Command(BaseCommand):
    help = "Recompute every dashboard summary from the raw tables (settlements, ledger, accounts)."

    def handle(self, *args, **options):
        start = time.perf_counter()
        rebuild_all()
        self.stdout.write(f"Summaries rebuilt in {time.perf_counter() - start:.1f} s.")
