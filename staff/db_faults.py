"""Telling a broken database connection from an error the database reported.

``OperationalError`` covers both: the server terminated the session, the network dropped it
(the connection is gone; the client may send the same request again on a new one), and errors
the server reports on a live connection (a statement timeout, a lock not granted, a disk full),
which are not the client's to retry blindly. Only the first is a "connection interrupted".
"""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

# SQLSTATE classes of a lost session: 08 connection exception, 57P01-57P03 the server shutting
# the session down (pg_terminate_backend, a restart, a crash).
_GONE_STATES = ("57P01", "57P02", "57P03")


def connection_broke(exc: BaseException, *, using: str = DEFAULT_DB_ALIAS) -> bool:
    """True when ``exc`` came from a database connection that is no longer usable."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    if isinstance(exc, InterfaceError):
        return True  # an operation on a connection already closed
    state = getattr(exc.__cause__, "sqlstate", None) or ""
    if state.startswith("08") or state in _GONE_STATES:
        return True
    wrapper = connections[using]
    if wrapper.vendor != "postgresql":
        return False  # the embedded SQLite file has no connection to lose
    if wrapper.connection is None:
        # Django drops a connection whose rollback failed (it was gone); one never opened
        # would not have raised.
        return True
    return not wrapper.is_usable()
