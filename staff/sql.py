"""Small helpers for hand-written SQL on hot paths (settlement, token authentication), portable
between PostgreSQL and the embedded SQLite.

The ORM compiles every query anew (about 1 ms each); a settlement is a handful of fixed
statements, so its hot path writes them once as text and lets the model fields do only the
value conversion (``pre_save`` + ``get_db_prep_save``, exactly what ``Model.save`` does), or
passes a value on as it is where the field would (``_UNCHANGED``).

On PostgreSQL every statement run through ``rows``, ``execute`` and ``batch`` is a prepared
statement of the session (``PREPARE`` once per connection, then ``EXECUTE``): planning, not
execution, is most of a short statement's cost on the server (0.3–0.4 ms against 0.1 ms for
the token and fact reads). Parameters stay bound on the client, so several ``EXECUTE``s still
share one message. This needs session-level connections (no PgBouncer transaction pooling).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from weakref import WeakKeyDictionary

from django.db import Error, connection, models, transaction

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
def _insert_parts(model: type[models.Model]) -> tuple[str, tuple, str]:
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    plan = tuple((f, f.attname, _passes_unchanged(f)) for f in fields)
    return f"INSERT INTO {table} ({columns})", plan, f"RETURNING {pk}"


# On PostgreSQL these fields hand a value of exactly these types to the driver unchanged
# (``get_db_prep_save`` only re-checks it): the insert passes such values as they are and sends
# any other value (a string for a date, a float for a decimal, None where the type differs)
# through the field as ``Model.save`` would. ``test_sql.py`` holds the two ways equal.
_UNCHANGED: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.DecimalField: (Decimal,),
    models.DateField: (date,),
    models.DateTimeField: (datetime,),
}


def _passes_unchanged(field: models.Field) -> tuple[type, ...]:
    """The value types ``field`` stores as they are on this connection (() where none)."""
    auto = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    if connection.vendor != "postgresql" or auto:
        return ()
    if isinstance(field, models.ForeignKey):
        # An automatic key stores an int as it is (a plain integer column wraps it for psycopg).
        target = field.target_field
        return (int,) if isinstance(target, models.AutoField) else ()  # BigAutoField too
    return _UNCHANGED.get(type(field), ())


def _unchanged(value, types: tuple[type, ...]) -> bool:
    kind = type(value)  # exactly: a bool is no int here, a datetime no date, a SafeString no str
    if kind not in types:
        return False
    if kind is Decimal:
        return value.is_finite()  # NaN and infinities are refused by the field
    return kind is not datetime or value.tzinfo is not None  # a naive time: the field warns


def insert_statement(
    instance: models.Model, expressions: dict[str, tuple[str, list]] | None = None
) -> tuple[str, list]:
    """``INSERT … RETURNING pk`` for a new instance, values converted by its fields (``pre_save``
    + ``get_db_prep_save``, as ``Model.save`` does; see ``_UNCHANGED``).

    ``expressions`` replaces a column's placeholder by an SQL fragment (with its parameters),
    e.g. a value read from a row written earlier in the same batch."""
    head, fields, returning = _insert_parts(type(instance))
    expressions = expressions or {}
    fragments, values = [], []
    for f, attname, types in fields:
        if attname in expressions:
            fragment, params = expressions[attname]
            fragments.append(fragment)
            values.extend(params)
            continue
        fragments.append("%s")
        value = getattr(instance, attname)
        if types and (value is None or _unchanged(value, types)):
            values.append(value)
        else:
            values.append(f.get_db_prep_save(f.pre_save(instance, True), connection))
    return f"{head} VALUES ({', '.join(fragments)}) {returning}", values


def insert_many_statement(instances: list[models.Model]) -> tuple[str, list]:
    """One ``INSERT … VALUES (…), (…)`` for new instances of one model (no ``RETURNING``),
    each value converted as ``insert_statement`` does: a bulk insert without the ORM's
    per-call compilation. The caller keeps the batch small enough for the driver's limit on
    parameters (e.g. 1,000 rows)."""
    head, fields, _returning = _insert_parts(type(instances[0]))
    values: list = []
    for instance in instances:
        for f, attname, types in fields:
            value = getattr(instance, attname)
            if types and (value is None or _unchanged(value, types)):
                values.append(value)
            else:
                values.append(f.get_db_prep_save(f.pre_save(instance, True), connection))
    row = f"({placeholders(len(fields))})"
    return f"{head} VALUES {', '.join([row] * len(instances))}", values


def insert_rows_statement(model: type[models.Model], rows: list[dict]) -> tuple[str, list]:
    """``insert_many_statement`` for rows given as ``{attname: value}`` (a missing field takes
    its default), without building a model instance per row (``Model.__init__`` costs more
    than the row's conversion). Not for fields set on save (``auto_now``, ``auto_now_add``)."""
    head, fields, _returning = _insert_parts(model)
    defaults = []
    for f, attname, _types in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise ValueError(f"{attname} is set on save: use insert_many_statement")
        defaults.append(f.get_default())
    values: list = []
    for row in rows:
        for (f, attname, types), default in zip(fields, defaults, strict=True):
            value = row.get(attname, default)
            if types and (value is None or _unchanged(value, types)):
                values.append(value)
            else:
                values.append(f.get_db_prep_save(value, connection))
    row_text = f"({placeholders(len(fields))})"
    return f"{head} VALUES {', '.join([row_text] * len(rows))}", values


@cache
def columns_of(model: type[models.Model]) -> tuple[str, list[str], list]:
    """``"table"."column", …`` of a model's concrete fields, their attnames in ``from_db``
    order, and each field's converters as the ORM's compiler applies them (SQLite hands back
    text datetimes and float decimals; PostgreSQL mostly none)."""
    q = connection.ops.quote_name
    fields = list(model._meta.concrete_fields)
    table = model._meta.db_table
    converters = []
    for f in fields:
        col = f.get_col(table)
        functions = connection.ops.get_db_converters(col) + f.get_db_converters(connection)
        converters.append((col, functions))
    columns = ", ".join(f"{q(table)}.{q(f.column)}" for f in fields)
    return columns, [f.attname for f in fields], converters


@cache
def _field_converters(field: models.Field) -> tuple:
    col = field.get_col(field.model._meta.db_table)
    return col, connection.ops.get_db_converters(col) + field.get_db_converters(connection)


def values_of(fields: list[models.Field], row) -> list:
    """A raw row's values converted as the ORM converts those fields' columns."""
    converted = []
    for value, field in zip(row, fields, strict=True):
        col, functions = _field_converters(field)
        for function in functions:
            value = function(value, col, connection)
        converted.append(value)
    return converted


def instance_of(model: type[models.Model], values) -> models.Model:
    """A model instance from a raw row of ``columns_of(model)``, as the ORM would build it."""
    _text, attnames, converters = columns_of(model)
    converted = []
    for value, (col, functions) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, col, connection)
        converted.append(value)
    return model.from_db(connection.alias, attnames, converted)


def saved(instance: models.Model, pk) -> models.Model:
    """Mark an instance inserted by hand as saved, with its primary key."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance


PREPARED_PER_CONNECTION = 200  # a bound in case a caller formats values into its text
_prepared_on: WeakKeyDictionary = WeakKeyDictionary()  # raw connection -> names prepared there


@lru_cache(maxsize=PREPARED_PER_CONNECTION)
def _prepared_form(text: str) -> tuple[str, str, str]:
    """``(name, "PREPARE name AS … $1 …", "EXECUTE name(%s, …)")`` for a ``%s`` statement."""
    if "%%" in text:
        raise ValueError("a prepared statement's text cannot hold a literal %")
    head, *rest = text.split("%s")
    body = head + "".join(f"${n}{part}" for n, part in enumerate(rest, 1))
    name = "hot_" + hashlib.sha1(text.encode()).hexdigest()[:20]  # noqa: S324 - a name, not a secret
    execute = f"EXECUTE {name}({placeholders(len(rest))})" if rest else f"EXECUTE {name}"
    return name, f"PREPARE {name} AS {body}", execute


def _executing(cursor, texts: list[str]) -> list[str]:
    """The ``EXECUTE`` form of each text, preparing on this connection what is not yet (in one
    message of its own: a ``PREPARE`` outlives a rolled-back transaction, so it must not share
    a message that may fail half-way)."""
    db = cursor.db  # the connection, without the proxy's lookup per attribute
    if db.vendor != "postgresql":
        return texts
    done = _prepared_on.setdefault(db.connection, set())
    forms = [_prepared_form(text) if _preparable(text) else None for text in texts]
    missing = {f[0]: f[1] for f in forms if f is not None and f[0] not in done}
    if missing and len(done) + len(missing) <= PREPARED_PER_CONNECTION:
        cursor.execute("; ".join(missing.values()))
        done.update(missing)
    return [
        form[2] if form is not None and form[0] in done else text
        for form, text in zip(forms, texts, strict=True)
    ]


@lru_cache(maxsize=PREPARED_PER_CONNECTION)
def _pieces(execute: str) -> tuple[bytes, ...]:
    """An ``EXECUTE name(%s, …)`` text cut at its placeholders."""
    return tuple(piece.encode() for piece in execute.split("%s"))


_literals: WeakKeyDictionary = WeakKeyDictionary()  # raw connection -> psycopg Transformer
ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"
_PLAIN = frozenset({"BEGIN", "COMMIT", ASYNC_COMMIT})  # texts without parameters


def _bound(db, texts: list[str], params: list) -> bytes | None:
    """The message for a batch of ``EXECUTE`` texts with their values as SQL literals, adapted
    by psycopg exactly as its client-side binding would; None if a text is not one of ours.

    psycopg parses a query for ``%s`` with a general scanner and caches the result only for
    texts of at most 50 parameters; a settlement's write batch has more, so every settlement
    paid for the scan (a tenth of a request's CPU). Our ``EXECUTE`` texts hold no ``%`` but
    their placeholders (``_prepared_form`` refuses any other), so cutting them is enough."""
    if not all(text.startswith("EXECUTE hot_") or text in _PLAIN for text in texts):
        return None
    from psycopg.adapt import Transformer

    raw = db.connection
    literal = _literals.get(raw)
    if literal is None:
        literal = _literals[raw] = Transformer(raw).as_literal
    glue: list[bytes] = []  # the text around the values: one piece more than values
    for text in texts:
        pieces = _pieces(text)
        if glue:
            glue[-1] += b"; " + pieces[0]
            glue.extend(pieces[1:])
        else:
            glue.extend(pieces)
    if len(glue) != len(params) + 1:
        return None  # psycopg's own binding reports the mismatch
    out: list = [None] * (2 * len(params) + 1)
    out[0::2] = glue
    out[1::2] = [b"NULL" if value is None else literal(value) for value in params]
    return b"".join(out)


def _run(cursor, texts: list[str], params: list) -> None:
    db = cursor.db
    message = _bound(db, texts, params) if db.vendor == "postgresql" else None
    if message is None:
        cursor.execute("; ".join(texts), params)
    elif db.queries_logged or db.execute_wrappers:
        cursor.execute(message)  # through Django's wrappers: logged (tests, DEBUG) and wrapped
    else:
        # The same execute without Django's per-call wrapping (with ``_results``, about 2 % of
        # an API claim's instructions): errors still become Django's (IntegrityError, …).
        db.validate_no_broken_transaction()
        with db.wrap_database_errors:
            cursor.cursor.execute(message)


def _results(cursor) -> list[list[tuple]]:
    """Each statement's rows ([] for those without), read from psycopg's cursor directly
    (Django's wrapper costs an attribute lookup per call; ``description`` builds its columns)."""
    if cursor.db.vendor != "postgresql":
        return [cursor.fetchall() if cursor.description else []]
    from psycopg.pq import ExecStatus

    raw = cursor.cursor
    results = []
    while True:
        result = raw.pgresult
        results.append(raw.fetchall() if result and result.status == ExecStatus.TUPLES_OK else [])
        if not raw.nextset():
            return results


def _preparable(text: str) -> bool:
    """PREPARE takes SELECT, INSERT, UPDATE, DELETE and VALUES (not DDL, not BEGIN)."""
    return text.lstrip()[:6].upper() in ("SELECT", "INSERT", "UPDATE", "DELETE", "VALUES")


# "begin" while a fused transaction waits for its first statement, "open" after it; the depth
# counts fused transactions joined inside it (only the outermost commits).
_fused: ContextVar[list | None] = ContextVar("fused_transaction", default=None)


@contextmanager
def fused_transaction() -> Iterator[None]:
    """A transaction whose BEGIN rides on its first statement and whose COMMIT rides on the
    batch called with ``commit=True``: two round trips fewer than ``transaction.atomic()``
    (psycopg sends BEGIN and COMMIT as messages of their own). PostgreSQL runs a multi-statement
    message in order and keeps a transaction its text opens, so the semantics are atomic()'s.

    ``batch``, ``rows`` and ``execute`` carry the BEGIN; a statement of the ORM (or any other
    cursor) run first sends it on its own, so such code is still inside the transaction, one
    round trip dearer. A fused transaction opened inside another joins it: no BEGIN, no COMMIT
    of its own, an error rolls back the outer one (no savepoint: ``joined()`` tells a caller
    that cannot retry inside). Inside an atomic block (a caller's transaction, a test's) and on
    SQLite it is plain ``transaction.atomic()``."""
    outer = _fused.get()
    if outer is not None:
        outer[1] += 1
        try:
            yield
        finally:
            outer[1] -= 1
        return
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    state = ["begin", 1]
    token = _fused.set(state)
    try:
        with connection.execute_wrapper(_begin_first):
            yield
        if _in_transaction():
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
    except BaseException:
        if _in_transaction():
            # The first error is the one to report, not a failed ROLLBACK on a lost connection.
            with suppress(Error), connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        raise
    finally:
        _fused.reset(token)


def joined() -> bool:
    """Whether the code runs inside a fused transaction opened by a caller."""
    state = _fused.get()
    return state is not None and state[1] > 1


def _begin_first(execute, sql, params, many, context):
    """A statement not sent by this module inside a fused transaction not yet begun: BEGIN
    first (its own round trip)."""
    state = _fused.get()
    # PREPARE (``_executing``) stays outside: it changes no data, and the BEGIN then rides on
    # the batch that follows.
    if state is not None and state[0] == "begin" and not sql.startswith("PREPARE "):
        state[0] = "open"
        context["cursor"].cursor.execute("BEGIN")
    return execute(sql, params, many, context)


def _in_transaction() -> bool:
    from psycopg.pq import TransactionStatus

    raw = connection.connection
    return raw is not None and raw.info.transaction_status != TransactionStatus.IDLE


def _begins() -> bool:
    """Whether the next statement must open the fused transaction (and mark it open)."""
    state = _fused.get()
    if state is not None and state[0] == "begin":
        state[0] = "open"
        return True
    return False


def batch(
    statements: list[tuple[str, list]], commit: bool = False, durable: bool = True
) -> list[list[tuple]]:
    """Run statements in order and return each one's rows ([] for those without).

    On PostgreSQL they go as one message (Django's psycopg cursor binds parameters on the
    client, so several statements can share one ``execute``): one round trip instead of one
    per statement, in the same transaction and order. SQLite runs them one by one. Inside
    ``fused_transaction`` the first batch opens the transaction and ``commit=True`` ends it;
    with ``durable=False`` that COMMIT does not wait for the disk (``synchronous_commit`` off
    for this transaction only: a crash in the next moment may lose it, never half of it, and
    the next synchronous commit on the server flushes it). Only for a transaction whose loss
    is harmless to the caller; a commit that is not this batch's own is left as it is."""
    if not statements:
        return []
    with connection.cursor() as cursor:
        if cursor.db.vendor != "postgresql":
            results = []
            for text, params in statements:
                cursor.execute(text, params)
                results.append(cursor.fetchall() if cursor.description else [])
            return results
        texts = _executing(cursor, [text for text, _params in statements])
        state = _fused.get()
        begin = _begins()
        end = state is not None and commit and state[1] == 1
        if begin:
            texts.insert(0, "BEGIN")
        tail = ["COMMIT"] if durable else [ASYNC_COMMIT, "COMMIT"]
        if end:
            texts += tail
        _run(cursor, texts, [p for _text, params in statements for p in params])
        results = _results(cursor)
        return results[begin : len(results) - (len(tail) if end else 0)]


def rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        texts = _executing(cursor, [sql])
        begin = cursor.db.vendor == "postgresql" and _begins()
        _run(cursor, ["BEGIN", *texts] if begin else texts, params)
        return _results(cursor)[begin]


def execute(sql: str, params) -> int:
    with connection.cursor() as cursor:
        texts = _executing(cursor, [sql])
        begin = cursor.db.vendor == "postgresql" and _begins()
        _run(cursor, ["BEGIN", *texts] if begin else texts, params)
        if begin:
            cursor.cursor.nextset()  # past BEGIN's result: the count is the statement's
        return cursor.rowcount
