"""A PostgreSQL connection dropped in the middle of a settlement: nothing half-written, the
client told, the same claim again settles exactly once."""

import json

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from rest_framework.authtoken.models import Token

from accounts.models import LedgerEntry, PersonalAccount
from claims.models import Accumulator, Settlement
from enrollment.models import InstitutionUser
from staff import sql
from tests.claims.test_settlement import _world, request
from tests.factories import UserFactory


def _drop_before_commit(monkeypatch):
    """Terminate this connection's server process (from another connection, as a crash or a
    network cut would) just before the batch that commits."""
    original, dropped = sql.batch, []

    def batch(statements, commit=False):
        if commit and not dropped:
            dropped.append(True)
            info = connection.connection.info
            url = f"host={info.host} port={info.port} dbname={info.dbname} user={info.user}"
            with psycopg.connect(url, autocommit=True) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [info.backend_pid])
        return original(statements, commit=commit)

    monkeypatch.setattr(sql, "batch", batch)
    return dropped


def _untouched(account, balance):
    connection.close()  # the broken connection goes; the checks read on a new one
    assert not Settlement.objects.exists()
    assert PersonalAccount.objects.get(pk=account.pk).balance == balance
    assert not LedgerEntry.objects.filter(kind="claim_debit").exists()
    assert not Accumulator.objects.filter(pooled__gt=0).exists()


def test_a_dropped_connection_leaves_nothing_and_the_retry_settles_once(postgres_tx, monkeypatch):
    from claims.settlement import settlement_create

    person, account, hospital = _world()
    balance = PersonalAccount.objects.get(pk=account.pk).balance
    dropped = _drop_before_commit(monkeypatch)
    with pytest.raises((OperationalError, InterfaceError)):
        settlement_create(request=request(person, hospital, number="DROP-1"))
    assert dropped
    _untouched(account, balance)
    settlement, created = settlement_create(request=request(person, hospital, number="DROP-1"))
    again, created_again = settlement_create(request=request(person, hospital, number="DROP-1"))
    assert (created, created_again) == (True, False) and again.pk == settlement.pk
    assert Settlement.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="claim_debit").count() == 1


def test_over_http_the_client_gets_a_503_then_its_retry_settles_once(postgres_tx, monkeypatch):
    from django.test import Client

    person, account, hospital = _world()
    balance = PersonalAccount.objects.get(pk=account.pk).balance
    user = UserFactory(roles=["institution"])
    InstitutionUser.objects.create(user=user, institution=hospital)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    body = {
        "claim_number": "DROP-2",
        "person": person.pk,
        "institution": hospital.pk,
        "visit_date": "2026-03-01",
        "benefit": "general_outpatient",
        "total_amount": "1200.00",
    }
    _drop_before_commit(monkeypatch)
    first = client.post("/api/v1/claims/", json.dumps(body), content_type="application/json")
    assert first.status_code == 503, first.content
    assert first["Retry-After"] == "1" and first.json()["detail"]
    _untouched(account, balance)
    retry = client.post("/api/v1/claims/", json.dumps(body), content_type="application/json")
    assert retry.status_code == 201, retry.content
    same = client.post("/api/v1/claims/", json.dumps(body), content_type="application/json")
    assert same.status_code == 200 and same.json()["id"] == retry.json()["id"]
    assert LedgerEntry.objects.filter(kind="claim_debit").count() == 1
    assert PersonalAccount.objects.get(pk=account.pk).balance < balance
