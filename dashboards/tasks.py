"""The periodic refresh of the dashboards' snapshots (ledger, accounts, caps)."""

from celery import shared_task

from .summaries import snapshots_refresh


@shared_task(name="dashboards.refresh_snapshots")
def refresh_snapshots() -> None:
    snapshots_refresh()
