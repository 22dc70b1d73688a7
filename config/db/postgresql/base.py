"""Django's PostgreSQL backend with a connection health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a persistent connection at the start of each request
by sending ``SELECT 1``: one more round trip on every API call (a sixth of a settlement's).
An idle connection has nothing to read; one the server has closed (a restart,
``pg_terminate_backend``, an idle timeout) has its FATAL message or end-of-file waiting on the
socket. So the check looks at the socket instead; a connection an operation found broken
(``broken``) is unusable too, and a request that fails on a connection the check could not
judge (a silent network break) is a 503 for the client to retry, after which Django replaces it.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
