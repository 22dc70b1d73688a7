"""The dashboards' periodic jobs: claim changes folded into the summaries every minute, the
snapshots (ledger, accounts, caps, persons served) recomputed every ten."""

from celery import shared_task

from .summaries import claim_changes_fold, snapshots_refresh


@shared_task(name="dashboards.fold_claim_changes")
def fold_claim_changes() -> int:
    return claim_changes_fold()


@shared_task(name="dashboards.refresh_snapshots")
def refresh_snapshots() -> None:
    snapshots_refresh()
