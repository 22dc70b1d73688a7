"""The one way to lock personal accounts: by primary key order, then re-read.

Every money movement locks the rows it changes in a fixed order (claims: accumulators first,
then accounts by primary key), so two transactions never wait on each other in a cycle
(Saleor's ``lock_objects.py`` pattern)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from .models import PersonalAccount


def lock_accounts(account_ids: Iterable[int]) -> dict[int, PersonalAccount]:
    """``SELECT … FOR UPDATE`` the accounts in primary-key order; fresh rows by id."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_accounts() must run inside a transaction")
    ids = sorted(set(account_ids))
    rows = PersonalAccount.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    return {account.pk: account for account in rows}


def lock_account(account_id: int) -> PersonalAccount:
    return lock_accounts([account_id])[account_id]


def lock_accounts_of(person_ids: Iterable[int]) -> dict[int, PersonalAccount]:
    """The same lock, found by person: ``{person_id: account}`` (one query)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_accounts_of() must run inside a transaction")
    rows = (
        PersonalAccount.objects.select_for_update()
        .filter(person_id__in=sorted(set(person_ids)))
        .order_by("pk")
    )
    return {account.person_id: account for account in rows}
