"""``staff.sql.insert_statement``: the values it sends are the ones ``Model.save`` would send."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import LedgerEntry
from claims.models import Settlement
from staff import sql
from staff.models import AuditEvent


def _as_save_would(instance):
    """Each column's value through its field, as ``Model.save`` converts it."""
    _head, fields, _returning = sql._insert_parts(type(instance))
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f, _a, _t in fields]


def _comparable(values):
    # psycopg's JSON wrapper has no equality: compare what it wraps.
    return [getattr(v, "obj", v) for v in values]


def _auto(instance):
    """Positions of the columns the database or pre_save fill with the time of the call."""
    _head, fields, _returning = sql._insert_parts(type(instance))
    return {n for n, (f, _a, _t) in enumerate(fields) if getattr(f, "auto_now_add", False)}


def _same_as_save(instance):
    _text, ours = sql.insert_statement(instance)
    theirs = _as_save_would(instance)
    skip = _auto(instance)
    ours = [v for n, v in enumerate(_comparable(ours)) if n not in skip]
    theirs = [v for n, v in enumerate(_comparable(theirs)) if n not in skip]
    assert ours == theirs
    assert [type(v) for v in ours] == [type(v) for v in theirs]


SETTLEMENTS = [
    # The settlement service's own values: exact types, NULLs for the optional links.
    dict(
        claim_number="C1",
        institution_id=3,
        person_id=7,
        policy_version_id=2,
        visit_date=dt.date(2026, 3, 1),
        benefit="general_outpatient",
        total_amount=Decimal("120.00"),
        pool_paid=Decimal("33.50"),
        out_of_region_filed=False,
        explanation=[{"rule": "x", "amount": "1.00"}],
        request_hash="h",
    ),
    # What a caller might hand over instead: text for a date and a number, a float, a string id.
    dict(
        claim_number="C2",
        institution_id="3",
        person_id=7,
        policy_version_id=2,
        visit_date="2026-03-01",
        benefit="chronic",
        total_amount="120.5",
        pool_paid=33.5,
        account_holder_id=9,
        reversed_at=timezone.now(),
    ),
]


@pytest.mark.parametrize("values", SETTLEMENTS, ids=["service", "loose"])
def test_settlement_values_are_the_ones_save_would_send(postgres, values):
    _same_as_save(Settlement(**values))


def test_ledger_entry_and_audit_event_values_too(postgres):
    _same_as_save(
        LedgerEntry(
            account_id=1,
            kind="claim_debit",
            amount=Decimal("-10.00"),
            balance_after=Decimal("90.00"),
            memo="医院 C1",
            member_id=None,
        )
    )
    _same_as_save(
        AuditEvent(
            action="claims.settlement.create",
            channel="api",
            address="127.0.0.1",
            person_id=7,
            amount=Decimal("120.00"),
            changes={"pool_paid": "33.50"},
            job_id=None,
        )
    )


def test_values_the_field_would_refuse_or_warn_about_still_go_through_it(postgres):
    naive = dt.datetime(2026, 3, 1, 8, 0)  # noqa: DTZ001 - the point of the test
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        _text, values = sql.insert_statement(
            Settlement(visit_date=dt.date(2026, 3, 1), reversed_at=naive)
        )
    assert timezone.is_aware(values[-1])
    with pytest.raises(ValidationError):
        sql.insert_statement(Settlement(total_amount=Decimal("NaN")))
    # A datetime in a date column is cut to its date, as the field does.
    _text, values = sql.insert_statement(
        Settlement(visit_date=dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC))
    )
    assert dt.date(2026, 3, 1) in values


@pytest.mark.django_db
def test_insert_many_and_instance_of_read_back_what_the_orm_reads():
    """One multi-row INSERT stores what the ORM would; a raw row of ``columns_of`` becomes the
    instance the ORM builds (decimals, dates and times converted on SQLite as on PostgreSQL)."""
    from catalogue.models import CatalogueItem

    codes = ["T0", "T1", "T2"]
    items = [
        CatalogueItem(
            code=code, name="阿莫西林胶囊", initials="amxljn", kind="drug", chrgitm_lv="02",
            med_chrgitm_type="09", price_ceiling=Decimal("12.345678") if n else None,
            selfpay_prop=Decimal("0.1000"), valid_from=dt.date(2024, 1, 1), valid_to=None,
        )
        for n, code in enumerate(codes)
    ]  # fmt: skip
    text, params = sql.insert_many_statement(items)
    assert text.count("(") == 1 + len(items)  # the column list and one row each
    sql.execute(text, params)
    columns = sql.columns_of(CatalogueItem)[0]
    table = connection.ops.quote_name(CatalogueItem._meta.db_table)
    raw = sql.rows(f"SELECT {columns} FROM {table} WHERE code IN (%s, %s, %s) ORDER BY code", codes)  # noqa: S608 - table name only
    ours = [sql.instance_of(CatalogueItem, row) for row in raw]
    theirs = list(CatalogueItem.objects.filter(code__in=codes).order_by("code"))
    names = [f.attname for f in CatalogueItem._meta.concrete_fields]
    assert [[getattr(i, n) for n in names] for i in ours] == [
        [getattr(i, n) for n in names] for i in theirs
    ]
    assert theirs[1].price_ceiling == Decimal("12.345678") and theirs[0].price_ceiling is None
    assert isinstance(ours[1].valid_from, dt.date) and ours[1].updated_at.tzinfo is not None
