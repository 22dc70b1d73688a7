"""The audit trail: every money movement and master-data change says who, when, from where and
what changed; the auditors' page searches it; nothing in it can be changed, not even in SQL."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from claims.models import Settlement
from jobs.services import job_create
from staff.models import AuditEvent
from tests.claims.test_settlement import _world
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def world(db):
    return _world()


def client_for(user, address: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def institution_client(hospital, address="10.8.0.7"):
    from enrollment.models import InstitutionUser

    user = UserFactory(username="hospital-api", roles=["institution"])
    InstitutionUser.objects.create(user=user, institution=hospital)
    return user, client_for(user, address)


def claim_body(person, hospital, number="A1", total="1200.00"):
    return {
        "claim_number": number,
        "person": person.pk,
        "institution": hospital.pk,
        "visit_date": "2026-03-01",
        "benefit": "general_outpatient",
        "total_amount": total,
    }


@pytest.mark.django_db
def test_a_settlement_and_its_reversal_say_who_when_where_and_how_much(world):
    # Given an institution's API client at 10.8.0.7
    person, _, hospital = world
    user, client = institution_client(hospital)
    before = timezone.now()
    # When it settles a claim and reverses it
    response = client.post("/api/v1/claims/", claim_body(person, hospital), format="json")
    assert response.status_code == 201
    settlement_id = response.json()["id"]
    assert client.post(f"/api/v1/claims/{settlement_id}/reverse/").status_code == 200
    # Then two events name the client, its address, the person, the figures
    settled, reversed_ = AuditEvent.objects.filter(action__startswith="claims.").order_by("id")
    assert settled.action == "claims.settlement.create"
    assert (settled.actor, settled.actor_name, settled.channel, settled.address) == (
        user,
        "hospital-api",
        "api",
        "10.8.0.7",
    )
    assert settled.at >= before
    assert (settled.object_id, settled.person_id, settled.amount) == (
        str(settlement_id),
        person.pk,
        D("1200.00"),
    )
    # Wuhan employee, level 1: 700 deductible, 500 × 80 % = 400 pooled, 800 from the account
    assert settled.changes == {
        "deductible_applied": "700.00",
        "pool_paid": "400.00",
        "account_paid": "800.00",
        "family_account_paid": "0.00",
        "cash_paid": "0.00",
    }
    assert reversed_.action == "claims.settlement.reverse"
    assert (reversed_.actor, reversed_.object_id, reversed_.amount) == (
        user,
        str(settlement_id),
        D("-1200.00"),
    )


@pytest.mark.django_db
def test_a_refused_request_leaves_no_event(world):
    person, _, hospital = world
    _, client = institution_client(hospital)
    before = AuditEvent.objects.count()
    bad = claim_body(person, hospital, total="-1.00")
    assert client.post("/api/v1/claims/", bad, format="json").status_code == 400
    assert client.patch(
        f"/api/v1/persons/{person.pk}/", {"contribution_base": "-5"}, format="json"
    ).status_code in (400, 403)
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_master_data_change_records_the_fields_that_changed(world):
    person, _, _ = world
    clerk = UserFactory(username="clerk-li", roles=["clerk"])
    client = client_for(clerk, "192.168.3.14")
    old_base = person.contribution_base
    response = client.patch(
        f"/api/v1/persons/{person.pk}/", {"contribution_base": "8800.00"}, format="json"
    )
    assert response.status_code == 200, response.json()
    change = AuditEvent.objects.filter(action="enrollment.person.update").get()
    assert (change.actor, change.channel, change.address, change.person_id) == (
        clerk,
        "api",
        "192.168.3.14",
        person.pk,
    )
    assert change.changes == {"contribution_base": [str(old_base), "8800.00"]}


@pytest.mark.django_db
def test_account_entries_jobs_and_sign_ins_are_recorded(
    world, client, django_capture_on_commit_callbacks
):
    person, account, _ = world
    # The opening adjustment of the world (no request, no user): channel "system"
    entry = AuditEvent.objects.get(action="accounts.ledgerentry.create", person_id=person.pk)
    assert (entry.channel, entry.actor, entry.amount) == ("system", None, D("1000.00"))
    assert entry.changes["balance"] == ["0.00", "1000.00"]
    # A manager signs in from 172.16.0.9 and starts a job: both say where from
    manager = UserFactory(username="manager-zhao", roles=["manager"])
    response = client.post(
        "/accounts/login/",
        {"username": "manager-zhao", "password": PASSWORD},
        REMOTE_ADDR="172.16.0.9",
    )
    assert response.status_code == 302
    login = AuditEvent.objects.get(action="staff.login")
    assert (login.actor, login.channel, login.address) == (manager, "web", "172.16.0.9")
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(kind="selfcheck", parameters={}, created_by=manager)
    started = AuditEvent.objects.get(action="jobs.job.create")
    assert (started.actor, started.object_id) == (manager, str(job.pk))
    finished = AuditEvent.objects.get(action="jobs.job.finish")  # eager: it ran on commit
    assert (finished.channel, finished.job_id, finished.actor) == ("job", job.pk, manager)
    assert finished.changes["status"] == "succeeded"


@pytest.mark.django_db
def test_nothing_in_the_trail_can_be_changed_or_deleted(world):
    event = AuditEvent.objects.first()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    # Not even by SQL with the application's own credentials: the database refuses.
    for statement in (
        "UPDATE staff_auditevent SET actor_name = 'someone else'",
        "DELETE FROM staff_auditevent",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.filter(pk=event.pk, actor_name=event.actor_name).exists()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_the_auditors_page_searches_by_person_user_and_date(world, client):
    person, _, hospital = world
    _, api = institution_client(hospital)
    assert (
        api.post("/api/v1/claims/", claim_body(person, hospital), format="json").status_code == 201
    )
    clerk = UserFactory(username="clerk-li", roles=["clerk"])
    assert (
        client_for(clerk, "192.168.3.14")
        .patch(f"/api/v1/persons/{person.pk}/", {"contribution_base": "8800.00"}, format="json")
        .status_code
        == 200
    )
    auditor = UserFactory(username="auditor-sun", roles=["auditor"])
    client.force_login(auditor)

    def shown(**query) -> list[str]:
        response = client.get("/audit/", query)
        assert response.status_code == 200
        return [row["event"].action for row in response.context["rows"]]

    by_person = shown(person=person.id_number)
    assert "claims.settlement.create" in by_person and "enrollment.person.update" in by_person
    assert shown(person=person.name) == by_person
    assert shown(user="clerk-li") == ["enrollment.person.update"]
    assert shown(user="hospital-api", category="money") == ["claims.settlement.create"]
    today = timezone.localdate()
    assert shown(start=str(today), end=str(today))[:1] == ["staff.login"]  # newest first
    assert shown(end=str(today - timedelta(days=1))) == []
    assert shown(person="110101199001011237") == []  # nobody
    page = client.get("/audit/", {"person": person.id_number}).content.decode()
    assert "192.168.3.14" in page and "8,800.00" in page and person.name in page
    # Bad dates: 400 naming the field, in Chinese
    bad = client.get("/audit/", {"start": "2026-02-30"})
    assert bad.status_code == 400 and 'data-field="start"' in bad.content.decode()
    backwards = client.get("/audit/", {"start": str(today), "end": str(today - timedelta(days=3))})
    assert backwards.status_code == 400 and 'data-field="end"' in backwards.content.decode()
    # Read only: no POST, and other roles are refused
    assert client.post("/audit/").status_code == 405
    client.force_login(clerk)
    assert client.get("/audit/").status_code == 403


@pytest.mark.django_db
def test_a_settlement_still_writes_in_one_batch(world):
    """The audit row rides in the settlement's write batch: no extra round trip."""
    from django.test.utils import CaptureQueriesContext

    from claims.settlement import settlement_create
    from tests.claims.test_settlement import request

    person, _, hospital = world
    settlement_create(request=request(person, hospital, "Q0", "800.00"))
    with CaptureQueriesContext(connection) as ctx:
        settlement, _ = settlement_create(request=request(person, hospital, "Q1", "900.00"))
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    statements = [s for s in statements if not s.startswith("PREPARE")]
    if connection.vendor == "postgresql":
        assert len(statements) == 3
    else:  # SQLite has no round trips to save: sql.batch runs the same statements one by one
        assert any("staff_auditevent" in s for s in statements)
    assert AuditEvent.objects.filter(
        action="claims.settlement.create", object_id=str(settlement.pk)
    ).exists()
    assert Settlement.objects.count() == 2


@pytest.mark.django_db
def test_users_roles_and_the_disease_catalogue_are_audited():
    from django.contrib.auth.models import Group

    from claims.models import Disease

    user = UserFactory(username="li-new", roles=["clerk"])
    created = AuditEvent.objects.get(action="auth.user.create", object_id=str(user.pk))
    assert created.changes["username"] == [None, "li-new"]
    granted = AuditEvent.objects.get(action="staff.roles.change", object_id=str(user.pk))
    assert granted.changes == {"added": ["clerk"]}
    Group.objects.get(name="clerk").user_set.remove(user)
    assert AuditEvent.objects.filter(
        action="staff.roles.change", object_id=str(user.pk), changes={"removed": ["clerk"]}
    ).exists()
    user.first_name = "新"
    user.save()
    renamed = AuditEvent.objects.get(action="auth.user.update", object_id=str(user.pk))
    assert renamed.changes == {"first_name": ["小明", "新"]}
    user.set_password("another-long-password")
    user.save()  # the password hash and sign-in times never reach the trail
    assert AuditEvent.objects.filter(action="auth.user.update").count() == 1
    assert not any(
        "password" in e.changes or "last_login" in e.changes for e in AuditEvent.objects.all()
    )
    Disease.objects.create(code="J45", name="哮喘", kind="chronic")
    added = AuditEvent.objects.get(action="claims.disease.create")
    assert added.changes["code"] == [None, "J45"]


@pytest.mark.django_db
def test_the_search_exports_to_xlsx_with_id_numbers_masked(world, client):
    import io

    import openpyxl

    person, _, hospital = world
    _, api = institution_client(hospital)
    assert (
        api.post("/api/v1/claims/", claim_body(person, hospital), format="json").status_code == 201
    )
    client.force_login(UserFactory(username="auditor-sun", roles=["auditor"]))
    response = client.get("/audit/", {"person": person.id_number, "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    shown = client.get("/audit/", {"person": person.id_number}).context["rows"]
    assert len(rows) == 1 + len(shown)
    settled = next(r for r in rows if r[5] == "结算")
    assert settled[1] == "hospital-api" and settled[3] == "10.8.0.7"
    assert settled[8] == 1200 and "pool_paid" not in settled[10] and "400.00" in settled[10]
    assert person.name in settled[7] and person.id_number not in str(rows)


@pytest.mark.django_db
def test_a_jobs_structured_result_is_words_not_a_dump_and_role_lists_are_not_old_new():
    """A job's result (a policy replay's is its whole comparison, nested dicts) is shown as
    its sentence, never as a Python dict; the roles added are all named, not as old → new."""
    from staff.audit import record
    from staff.selectors import described

    user = UserFactory(roles=["manager"])
    replay = {"start": "2026-01-01", "claims": 41, "draft": {"settlements": 41, "refused": 0}}
    record(
        action="jobs.job.finish",
        obj=user,
        summary="x",
        changes={"result": replay, "errors": 0, "parameters": {"period": "2026-12"}},
    )
    record(action="staff.roles.change", obj=user, summary="x", changes={"added": ["a", "b"]})
    finished, roles = described(list(AuditEvent.objects.filter(summary="x").order_by("pk")))
    shown = {c["field"]: c for c in finished["changes"]}
    assert "结果" not in shown  # nothing a reader can use: left to the job's page
    assert shown["参数"]["new"] == "所属期 2026-12"
    assert "{" not in str([c["new"] for c in finished["changes"]])
    assert [(c["old"], c["new"]) for c in roles["changes"]] == [(None, "a、b")]
