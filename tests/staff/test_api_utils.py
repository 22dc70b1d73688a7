"""The hot-path helpers of the API: ids read in one query, shallow field copies, prepared
statements and the fused transaction."""

import json
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers

from enrollment.models import Institution, Person
from staff import sql
from staff.api_utils import FastPrimaryKeyRelatedField, HotInputSerializer, rows_by_pk
from tests.factories import InstitutionFactory, PersonFactory


class Input(HotInputSerializer):
    person = FastPrimaryKeyRelatedField(queryset=Person.objects.all())
    institution = FastPrimaryKeyRelatedField(queryset=Institution.objects.all())
    other = FastPrimaryKeyRelatedField(
        queryset=Institution.objects.all(), required=False, allow_null=True, default=None
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


@pytest.mark.django_db
def test_every_id_is_read_in_one_query_as_the_orm_would():
    person, hospital = PersonFactory(), InstitutionFactory()
    with CaptureQueriesContext(connection) as ctx:
        found = rows_by_pk([(Person, person.pk), (Institution, hospital.pk), (Person, 10**12)])
    executed = [q for q in ctx.captured_queries if not q["sql"].startswith("PREPARE")]
    assert len(executed) == 1  # (and a PREPARE the first time on a connection)
    assert found[2] is None
    for instance, model in zip(found[:2], (Person, Institution), strict=True):
        expected = model.objects.get(pk=instance.pk)
        for f in model._meta.concrete_fields:
            assert getattr(instance, f.attname) == getattr(expected, f.attname), f.name
        assert not instance._state.adding


@pytest.mark.django_db
def test_unknown_and_malformed_ids_get_drfs_messages_per_field():
    from django.utils import translation

    translation.activate("en")
    hospital = InstitutionFactory()
    s = Input(data={"person": 10**12, "institution": "x", "amount": "1.00"})
    assert not s.is_valid()
    assert s.errors["institution"] == ["Incorrect type. Expected pk value, received str."]
    s = Input(data={"person": 10**12, "institution": hospital.pk, "other": -1, "amount": "1.00"})
    assert not s.is_valid()
    assert s.errors == {
        "other": ['Invalid pk "-1" - object does not exist.'],
    }
    s = Input(data={"person": 10**12, "institution": hospital.pk, "amount": "1.00"})
    assert not s.is_valid()
    assert s.errors == {"person": [f'Invalid pk "{10**12}" - object does not exist.']}


@pytest.mark.django_db
def test_field_copies_are_bound_to_their_own_serializer():
    person, hospital = PersonFactory(), InstitutionFactory()
    first, second = Input(data={}), Input(data={})
    assert first.fields["person"] is not second.fields["person"]
    assert first.fields["person"].parent is first and second.fields["person"].parent is second
    assert Input._declared_fields["person"].parent is None  # the prototype stays unbound
    ok = Input(data={"person": person.pk, "institution": hospital.pk, "amount": "2.50"})
    assert ok.is_valid(), ok.errors
    assert ok.validated_data["person"] == person and ok.validated_data["other"] is None


def test_statements_are_prepared_once_per_connection(postgres_tx):
    """``sql.rows`` sends ``PREPARE`` once on a connection, then only ``EXECUTE``; a new
    connection prepares again."""
    text = "SELECT %s + 1"
    with CaptureQueriesContext(connection) as ctx:
        assert sql.rows(text, [1]) == [(2,)]
        assert sql.rows(text, [41]) == [(42,)]
    sent = [q["sql"] for q in ctx.captured_queries]
    assert sent[0].startswith("PREPARE hot_") and "$1 + 1" in sent[0]
    name = sent[0].split()[1]
    assert sent[1:] == [f"EXECUTE {name}(1)", f"EXECUTE {name}(41)"]
    connection.close()
    with CaptureQueriesContext(connection) as ctx:
        assert sql.rows(text, [2]) == [(3,)]
    assert ctx.captured_queries[0]["sql"].startswith("PREPARE hot_")


def test_a_fused_transaction_commits_with_its_last_batch_and_is_invisible_before(postgres_tx):
    """BEGIN rides on the first batch, COMMIT on the last: another connection sees nothing
    in between and everything after."""
    sql.execute("CREATE TABLE IF NOT EXISTS fused_probe (n int)", [])
    seen = []

    def count():
        try:
            seen.append(sql.rows("SELECT count(*) FROM fused_probe", [])[0][0])
        finally:
            connection.close()

    def other_connection_counts():
        t = threading.Thread(target=count)
        t.start()
        t.join()

    try:
        with sql.fused_transaction():
            sql.batch([("INSERT INTO fused_probe VALUES (%s)", [1])])
            other_connection_counts()
            sql.batch([("INSERT INTO fused_probe VALUES (%s)", [2])], commit=True)
        other_connection_counts()
        with pytest.raises(RuntimeError), sql.fused_transaction():
            sql.batch([("INSERT INTO fused_probe VALUES (%s)", [3])])
            raise RuntimeError
        other_connection_counts()
        assert seen == [0, 2, 2]
    finally:
        sql.execute("DROP TABLE fused_probe", [])


def test_values_bound_by_hand_come_back_exactly(postgres):
    """``batch`` binds the values of its ``EXECUTE`` texts itself (psycopg's literals): quotes,
    semicolons, placeholders and backslashes in a value stay data."""
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from psycopg.types.json import Jsonb

    tricky = ["O'Brien; DROP TABLE x; --", "%s %% $1 \\ 100%", "张三", ""]
    values = [*tricky, None, Decimal("-12.30"), date(2026, 2, 28), True, 7]
    moment = datetime(2026, 3, 1, 8, 30, tzinfo=UTC)
    types = ["text"] * 5 + ["numeric", "date", "boolean", "integer"]  # PREPARE types each $n
    texts = ", ".join(f"CAST(%s AS {t})" for t in types)
    got = sql.batch(
        [
            (f"SELECT {texts}", values),
            (
                "SELECT CAST(%s AS timestamptz), CAST(%s AS jsonb)",
                [moment, Jsonb({"note": "a'b; %s"})],
            ),
        ]
    )
    assert list(got[0][0]) == values
    assert got[1][0][0] == moment
    assert json.loads(got[1][0][1]) == {"note": "a'b; %s"}  # Django reads jsonb as text
