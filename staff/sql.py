"""Small helpers for hand-written SQL on hot paths (settlement), portable between PostgreSQL
and the embedded SQLite.

The ORM compiles every query anew (about 1 ms each); a settlement is a handful of fixed
statements, so its hot path writes them once as text and lets the model fields do only the
value conversion (``pre_save`` + ``get_db_prep_save``, exactly what ``Model.save`` does).
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache

from django.db import connection, models

CENT = Decimal("0.01")


def for_update(kind: str = "UPDATE") -> str:
    """`` FOR UPDATE`` (or ``FOR SHARE``) where the database has row locks (not SQLite, whose
    writers are serialised by the IMMEDIATE transaction mode)."""
    return f" FOR {kind}" if connection.features.has_select_for_update else ""


def money(value) -> Decimal:
    """A money column read by raw SQL: PostgreSQL gives Decimal, SQLite a number."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value)).quantize(CENT)


def placeholders(n: int) -> str:
    return ", ".join(["%s"] * n)


@cache
def _insert_parts(model: type[models.Model]) -> tuple[str, tuple[models.Field, ...], str]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    return f"INSERT INTO {table} ({columns})", fields, f"RETURNING {pk}"


def insert_statement(
    instance: models.Model, expressions: dict[str, tuple[str, list]] | None = None
) -> tuple[str, list]:
    """``INSERT … RETURNING pk`` for a new instance, values converted by its fields (``pre_save``
    + ``get_db_prep_save``, as ``Model.save`` does).

    ``expressions`` replaces a column's placeholder by an SQL fragment (with its parameters),
    e.g. a value read from a row written earlier in the same batch."""
    head, fields, returning = _insert_parts(type(instance))
    expressions = expressions or {}
    fragments, values = [], []
    for f in fields:
        if f.attname in expressions:
            fragment, params = expressions[f.attname]
            fragments.append(fragment)
            values.extend(params)
        else:
            fragments.append("%s")
            values.append(f.get_db_prep_save(f.pre_save(instance, True), connection))
    return f"{head} VALUES ({', '.join(fragments)}) {returning}", values


def saved(instance: models.Model, pk) -> models.Model:
    """Mark an instance inserted by hand as saved, with its primary key."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


def batch(statements: list[tuple[str, list]]) -> list[list[tuple]]:
    """Run statements in order and return each one's rows ([] for those without).

    On PostgreSQL they go as one message (Django's psycopg cursor binds parameters on the
    client, so several statements can share one ``execute``): one round trip instead of one
    per statement, in the same transaction and order. SQLite runs them one by one."""
    if not statements:
        return []
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            results = []
            for text, params in statements:
                cursor.execute(text, params)
                results.append(cursor.fetchall() if cursor.description else [])
            return results
        cursor.execute(
            "; ".join(text for text, _params in statements),
            [p for _text, params in statements for p in params],
        )
        results = [cursor.fetchall() if cursor.description else []]
        while cursor.nextset():
            results.append(cursor.fetchall() if cursor.description else [])
        return results


def rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
