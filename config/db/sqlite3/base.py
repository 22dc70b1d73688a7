"""Django's SQLite backend whose ``flush`` empties append-only tables as PostgreSQL's does.

The audit trail and the ledger refuse ``DELETE`` row by row (a trigger on each database). On
PostgreSQL ``flush`` (and the test runner's reset between transactional tests) is a
``TRUNCATE``, a table-level operation that row triggers do not see; SQLite has no ``TRUNCATE``,
so its ``flush`` is a ``DELETE`` and the trigger refuses it. Here ``flush`` does what
``TRUNCATE`` does: inside the flush's own transaction each refusing trigger is dropped, the
table emptied and the trigger created again from its stored definition. SQLite's schema changes
are transactional, so no other connection ever sees the table without its trigger, and a row
``DELETE`` (the application's, or raw SQL) is still refused.
"""

from itertools import chain

from django.db.backends.sqlite3 import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        statements = super().sql_flush(
            style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        if not statements:
            return statements
        emptied = set(tables)
        if allow_cascade:  # as Django's own: the tables referencing those flushed
            emptied = set(chain.from_iterable(self._references_graph(t) for t in tables))
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                "AND upper(sql) LIKE '%BEFORE DELETE%' ORDER BY name"
            )
            triggers = [(n, t, sql) for n, t, sql in cursor.fetchall() if t in emptied]
        drops = [f"DROP TRIGGER {self.quote_name(name)};" for name, _, _ in triggers]
        creates = [sql for _, _, sql in triggers]
        return [*drops, *statements, *creates]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
