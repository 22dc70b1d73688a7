"""One message of the interface: parse the envelope, answer a repeated msgid, run the
transaction in one database transaction, keep the answer.

Idempotency (NATIONAL-INTERFACE §4): a message is identified by its msgid within the
institution. Decision: "the same message" is the same ``infno`` and ``input`` (the envelope's
clock and operator fields may differ on a resend); it gets the stored answer. Another message
with a used msgid is refused. Only successful answers are kept: a refusal changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from functools import cache

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from enrollment.models import Institution
from policies.models import Region
from staff import sql
from staff.errors import DomainError
from staff.parsers import decode, max_depth, too_deep  # Decimal numbers, no NaN

from .fields import Node, Refused
from .models import Message
from .transactions import HANDLERS, NAMES, Context

MAX_BODY = 2 * 1024 * 1024
RETRIES = 5
_MSGID = re.compile(r"^[0-9A-Za-z]{1,30}$")
ENVELOPE = (
    ("infno", 6), ("msgid", 30), ("mdtrtarea_admvs", 6), ("recer_sys_code", 10), ("infver", 6),
    ("opter_type", 3), ("opter", 30), ("opter_name", 50), ("inf_time", 19),
    ("fixmedins_code", 30), ("fixmedins_name", 200),
)  # fmt: skip


def _stamp(moment) -> str:
    local = timezone.localtime(moment)
    return local.strftime("%Y%m%d%H%M%S") + f"{local.microsecond // 1000:03d}"


def _serial10() -> str:
    return f"{secrets.randbelow(10**10):010d}"


def answer(*, institution: Institution | None, infcode: int, output=None, err_msg="", now=None):
    now = now or timezone.now()
    area = institution.region.code if institution is not None else "000000"
    return {
        "infcode": infcode,
        "inf_refmsgid": f"{area}{timezone.localtime(now):%Y%m%d%H%M%S}{_serial10()}",
        "refmsg_time": _stamp(now),
        "respond_time": _stamp(timezone.now()),
        "err_msg": err_msg or None,
        "warn_msg": None,
        "output": output,
        "cainfo": None,
        "signtype": None,
    }


def parse(body: bytes) -> dict:
    if len(body) > MAX_BODY:
        raise Refused("报文过大")
    if too_deep(body):  # the decoder recurses per level: 50,000 levels were a RecursionError
        raise Refused(f"报文的 JSON 嵌套超过 {max_depth()} 层")
    try:
        envelope = decode(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise Refused("报文不是有效的 UTF-8 JSON") from None
    if not isinstance(envelope, dict):
        raise Refused("报文应为 JSON 对象")
    return envelope


def _fingerprint(infno: str, payload) -> str:
    text = json.dumps({"infno": infno, "input": payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def encoded(reply: dict) -> bytes:
    """An answer as the response body sends it."""
    return json.dumps(reply, ensure_ascii=False).encode()


def message_handle(*, body: bytes, institution_id: int, user, early=None) -> bytes:
    """The answer to one message, encoded for the response body (a successful answer is
    encoded once, for the response and for the kept message). ``early``: the envelope and the
    rows ``statements_with_token`` read with the token (see ``early_statements``)."""
    now = timezone.now()
    institution = None
    try:
        envelope = early[0] if early is not None else parse(body)
        head = Node(envelope, "报文")
        fields = {name: head.text(name, size) for name, size in ENVELOPE}
        head.code("opter_type", ("1", "2", "3"))
        head.datetime("inf_time")
        infno, msgid = fields["infno"], fields["msgid"]
        if infno not in HANDLERS:
            raise Refused(f"交易编号 infno {infno} 不存在或本系统不受理")
        if not _MSGID.match(msgid):
            raise Refused("msgid 发送方报文ID应为不超过30位的字母或数字")
        read = _early_read(early, institution_id, msgid)
        institution, previous = read if read is not None else _read(institution_id, msgid)
        if fields["fixmedins_code"] != institution.code:
            raise Refused(
                f"fixmedins_code 定点医药机构编号 {fields['fixmedins_code']} 与登录凭证所属机构不符"
            )
        payload = envelope.get("input")
        if payload is None or payload == "":
            raise Refused("input 交易输入不能为空")
        if isinstance(payload, str):  # some HIS send the input as a JSON text
            if too_deep(payload):
                raise Refused(f"input 交易输入的 JSON 嵌套超过 {max_depth()} 层")
            try:
                payload = decode(payload)
            except ValueError:
                raise Refused("input 交易输入不是有效的 JSON") from None
        node = Node(payload, "input")
        fingerprint = _fingerprint(infno, payload)
        stored = _answer_of(previous, msgid, fingerprint)
        if stored is not None:
            return encoded(stored)
        ctx = Context(institution, user, msgid, infno, envelope, now)
        try:
            return _run(ctx, node, fingerprint)
        except IntegrityError:
            # The same msgid arrived twice at once: the unique index let one through.
            stored = _stored(institution, msgid, fingerprint)
            if stored is None:
                raise
            return encoded(stored)
    except (Refused, DomainError) as exc:
        message = exc.message
        infno = locals().get("infno")
        if infno in NAMES:
            message = f"【{infno} {NAMES[infno]}】{message}"
        if institution is None:  # refused before the read: the answer names its area
            institution, _previous = _read(institution_id)
        return encoded(answer(institution=institution, infcode=-1, err_msg=message, now=now))


# The settlement path's messages run in a fused transaction (``staff.sql``: BEGIN rides on the
# first statement, COMMIT on the message's own INSERT): every statement of theirs goes through
# ``staff.sql``. The others keep ``transaction.atomic()``.
FUSED = frozenset({"2204", "2206", "2206A", "2207", "2207A"})
# Durability decision: a pre-settlement (2206) changes nothing but its own kept answer, so its
# COMMIT does not wait for the disk (``sql.batch(durable=False)``). A crash in the moment after
# the answer can lose only that message row; the same msgid sent again is then answered anew
# (a preview binds nothing: 2207 settles from the lines and accounts as they are then). Every
# other message, and 2207's settlement above all, commits synchronously.
NOT_DURABLE = frozenset({"2206", "2206A"})


def _answer_column(text: str) -> tuple[str, list]:
    """The kept answer from the response's own JSON text (not encoded a second time by the
    field): PostgreSQL casts it to jsonb, SQLite's JSON column stores the text."""
    return ("CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"), [text]


def _run(ctx: Context, node: Node, fingerprint: str) -> bytes:
    """The transaction's answer (encoded), its message kept in the same database transaction;
    run again on a deadlock or serialization failure (a fused transaction has no savepoint to
    retry the settlement alone from)."""
    fused = ctx.infno in FUSED
    for attempt in range(RETRIES):
        ctx.pending.clear()
        try:
            with sql.fused_transaction() if fused else transaction.atomic():
                output = HANDLERS[ctx.infno](ctx, node)
                reply = answer(institution=ctx.institution, infcode=0, output=output, now=ctx.now)
                text = json.dumps(reply, ensure_ascii=False)
                message = Message(
                    institution=ctx.institution,
                    msgid=ctx.msgid,
                    infno=ctx.infno,
                    body_hash=fingerprint,
                    visit_id=ctx.visit_id,
                )
                kept = sql.insert_statement(message, {"answer": _answer_column(text)})
                # prepared, not compiled per call; COMMIT rides on it
                sql.batch([*ctx.pending, kept], commit=True, durable=ctx.infno not in NOT_DURABLE)
            return text.encode()
        except OperationalError as exc:
            retryable = getattr(exc.__cause__, "sqlstate", None) in ("40001", "40P01")
            if not retryable or attempt == RETRIES - 1 or connection.in_atomic_block:
                raise
            time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


@cache
def _stored_sql() -> str:
    columns = sql.columns_of(Message)[0]
    table = connection.ops.quote_name(Message._meta.db_table)
    return f"SELECT {columns} FROM {table} WHERE institution_id = %s AND msgid = %s"  # noqa: S608 - table name only


@cache
def _institution_sql() -> str:
    i, r = (connection.ops.quote_name(m._meta.db_table) for m in (Institution, Region))
    columns = f"{sql.columns_of(Institution)[0]}, {sql.columns_of(Region)[0]}"
    return f"SELECT {columns} FROM {i} JOIN {r} ON {r}.id = {i}.region_id WHERE {i}.id = %s"  # noqa: S608 - table names only


def _read(institution_id: int, msgid: str | None = None) -> tuple[Institution, Message | None]:
    """The token's institution with its region and, given a msgid, the message it already
    sent under it: one round trip (every message needs both)."""
    statements = [(_institution_sql(), [institution_id])]
    if msgid is not None:
        statements.append((_stored_sql(), [institution_id, msgid]))
    found = sql.batch(statements)
    row = found[0][0]
    n = len(sql.columns_of(Institution)[1])
    institution = sql.instance_of(Institution, row[:n])
    institution.region = sql.instance_of(Region, row[n:])
    previous = sql.instance_of(Message, found[1][0]) if msgid is not None and found[1] else None
    return institution, previous


@cache
def _by_token_sql() -> tuple[str, str]:
    """The institution (with its region) of a token's institution link, and the message a
    msgid names there: the statements of ``_read`` keyed by the token, not the institution."""
    from rest_framework.authtoken.models import Token

    from enrollment.models import InstitutionUser

    q = connection.ops.quote_name
    link, token = q(InstitutionUser._meta.db_table), q(Token._meta.db_table)
    of_token = (
        f"(SELECT {link}.institution_id FROM {link} JOIN {token}"  # noqa: S608 - table names only
        f" ON {token}.user_id = {link}.user_id WHERE {token}.key = %s)"
    )
    return (
        _institution_sql().replace("= %s", f"= {of_token}"),
        _stored_sql().replace("institution_id = %s", f"institution_id = {of_token}"),
    )


def early_statements(body: bytes, key: str) -> tuple[dict, list] | None:
    """For the token's round trip (``enrollment.authentication``): the parsed envelope and the
    reads of its institution and msgid, or None when the envelope is not well formed (it is
    then parsed again, and refused, as any other)."""
    try:
        envelope = parse(body)
    except Refused:
        return None
    msgid = envelope.get("msgid")
    if not isinstance(msgid, str) or not _MSGID.match(msgid):
        return None
    institution, message = _by_token_sql()
    return envelope, [(institution, [key]), (message, [key, msgid])]


def _early_read(early, institution_id: int, msgid: str):
    """``_read``'s answer from the rows read with the token, if they are for this institution
    and msgid (None: read them now)."""
    if early is None or len(early) < 2 or early[0].get("msgid") != msgid:
        return None
    found = early[1]
    if len(found) != 2 or len(found[0]) != 1:
        return None
    row = found[0][0]
    n = len(sql.columns_of(Institution)[1])
    institution = sql.instance_of(Institution, row[:n])
    if institution.pk != institution_id:
        return None
    institution.region = sql.instance_of(Region, row[n:])
    previous = sql.instance_of(Message, found[1][0]) if found[1] else None
    return institution, previous


def _answer_of(previous: Message | None, msgid: str, fingerprint: str) -> dict | None:
    if previous is None:
        return None
    if previous.body_hash != fingerprint:
        raise Refused(f"msgid 报文ID {msgid} 已被另一笔报文使用，不能重复使用")
    return previous.answer


def _stored(institution: Institution, msgid: str, fingerprint: str) -> dict | None:
    found = sql.rows(_stored_sql(), [institution.pk, msgid])  # at most one: a unique index
    return _answer_of(sql.instance_of(Message, found[0]) if found else None, msgid, fingerprint)
