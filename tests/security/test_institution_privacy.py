"""Least privilege for institutions' API clients (issue 16, 个人信息保护法 第二十八条): one
test per endpoint an institution user might call. It settles, previews, reverses and reads its
own claims; it looks a patient up by full ID number and gets the national 1101 shape (status
and balance), nothing else; no person list, no ledger, no stays, no employers, and no
certifications of people it has not treated. Masked lists never carry the birth date."""

from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from accounts.selectors import account_for
from accounts.services import account_open, ledger_post
from claims.models import Settlement
from claims.services import certification_apply
from claims.settlement import ClaimRequest, settlement_create
from enrollment.models import InstitutionUser
from enrollment.services import inpatient_stay_record
from jobs.services import job_create
from policies.models import Region
from policies.services import policies_load_seeds
from tests.factories import EmployerFactory, InstitutionFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

LOOKUP_FIELDS = {
    "psn_no", "certno", "name", "gend", "brdy", "insutype", "psn_type", "psn_insu_stas", "balc",
    "insuplc_admdvs",
}  # fmt: skip


class World:
    pass


@pytest.fixture
def world():
    policies_load_seeds()
    w = World()
    w.wuhan = Region.objects.get(code="420100")
    w.baotou = Region.objects.get(code="150200")
    w.ours = InstitutionFactory(code="HA", region=w.wuhan, level="1")
    w.theirs = InstitutionFactory(code="HB", region=w.wuhan, level="1")
    employer = EmployerFactory(code="WH1", region=w.wuhan)
    # The patient we treat, and a stranger (another region) we never saw.
    w.patient = PersonFactory(region=w.wuhan, employer=employer, benefits_from=date(2023, 1, 1))
    w.stranger = PersonFactory(
        region=w.baotou,
        employer=EmployerFactory(code="BT1", region=w.baotou),
        name="王芳",
        benefits_from=date(2023, 1, 1),
    )
    for person in (w.patient, w.stranger):
        account = account_open(person=person)
        ledger_post(account_id=account.pk, kind="adjustment", amount=D("1000.00"))
    w.own_claim, _ = settlement_create(request=claim(w.patient, w.ours, "A1", "300.00"))
    w.their_claim, _ = settlement_create(request=claim(w.patient, w.theirs, "B1", "200.00"))
    w.baotou_hospital = InstitutionFactory(code="HC", region=w.baotou, level="1")
    w.stranger_claim, _ = settlement_create(
        request=claim(w.stranger, w.baotou_hospital, "C2", "100.00")
    )
    inpatient_stay_record(person=w.stranger, admitted_on=date(2026, 1, 5))
    w.stranger_cert = certification_apply(
        person=w.stranger, disease_code="I10", valid_from=date(2026, 1, 1)
    )
    w.patient_cert = certification_apply(
        person=w.patient, disease_code="I10", valid_from=date(2026, 1, 1)
    )
    w.user = UserFactory(username="his-ha", roles=["institution"])
    InstitutionUser.objects.create(user=w.user, institution=w.ours)
    w.api = APIClient()
    w.api.force_authenticate(w.user)
    return w


def claim(person, institution, number, total):
    return ClaimRequest(
        claim_number=number,
        person=person,
        institution=institution,
        visit_date=date(2026, 3, 1),
        benefit="general_outpatient",
        total_amount=D(total),
    )


def claim_body(w, number="A2", total="150.00", institution=None):
    return {
        "claim_number": number,
        "person": w.patient.pk,
        "institution": (institution or w.ours).pk,
        "visit_date": "2026-03-02",
        "benefit": "general_outpatient",
        "total_amount": total,
    }


def text(response) -> str:
    return response.content.decode()


# --- People: no list, no detail, no ledger, no stays --------------------------------------------
def test_person_list_is_refused(world):
    response = world.api.get("/api/v1/persons/")
    assert response.status_code == 403
    assert world.stranger.name not in text(response)
    assert (
        world.api.get("/api/v1/persons/", {"id_number": world.stranger.id_number}).status_code
        == 403
    )


@pytest.mark.parametrize("who", ["patient", "stranger"])
def test_person_detail_is_refused(world, who):
    person = getattr(world, who)
    response = world.api.get(f"/api/v1/persons/{person.pk}/")
    assert response.status_code == 403
    assert person.id_number not in text(response)


@pytest.mark.parametrize("who", ["patient", "stranger"])
def test_the_ledger_is_refused(world, who):
    person = getattr(world, who)
    response = world.api.get(f"/api/v1/persons/{person.pk}/account/")
    assert response.status_code == 403
    assert world.theirs.name not in text(response)


@pytest.mark.parametrize("who", ["patient", "stranger"])
def test_inpatient_stays_are_refused(world, who):
    person = getattr(world, who)
    assert world.api.get(f"/api/v1/persons/{person.pk}/inpatient-stays/").status_code == 403


def test_persons_cannot_be_written(world):
    assert world.api.post("/api/v1/persons/", {}, format="json").status_code == 403
    assert (
        world.api.patch(f"/api/v1/persons/{world.patient.pk}/", {}, format="json").status_code
        == 403
    )


def test_employers_are_refused(world):
    assert world.api.get("/api/v1/employers/").status_code == 403
    employer = world.stranger.employer
    assert world.api.get(f"/api/v1/employers/{employer.pk}/").status_code == 403


# --- Certifications: only of the patients this institution has settled --------------------------
def test_certifications_of_strangers_are_not_listed(world):
    response = world.api.get("/api/v1/chronic-certifications/")
    assert response.status_code == 200
    ids = {row["id"] for row in response.json()["results"]}
    assert ids == {world.patient_cert.pk}
    by_person = world.api.get("/api/v1/chronic-certifications/", {"person": world.stranger.pk})
    assert by_person.json()["results"] == []


def test_certifications_cannot_be_decided(world):
    for action in ("approve", "reject", "revoke"):
        url = f"/api/v1/chronic-certifications/{world.stranger_cert.pk}/{action}/"
        assert world.api.post(url, {"reason": "x"}, format="json").status_code == 403


# --- Family sharing: not at all ------------------------------------------------------------------
def test_family_sharing_is_refused(world):
    assert world.api.get("/api/v1/family-sharing/").status_code == 403
    assert world.api.get("/api/v1/family-sharing/1/").status_code == 403
    assert world.api.get("/api/v1/family-sharing/1/premium-payments/").status_code == 403


# --- The person lookup (1101) --------------------------------------------------------------------
def test_lookup_gives_the_1101_shape_and_nothing_else(world):
    response = world.api.get("/api/v1/persons/lookup/", {"id_number": world.stranger.id_number})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == LOOKUP_FIELDS
    assert data == {
        "psn_no": str(world.stranger.pk),
        "certno": world.stranger.id_number,
        "name": "王芳",
        "gend": "1" if world.stranger.gender == "male" else "2",
        "brdy": world.stranger.birth_date.isoformat(),
        "insutype": "310",
        "psn_type": "1101",
        "psn_insu_stas": "1",
        "balc": f"{account_for(person=world.stranger).balance:.2f}",
        "insuplc_admdvs": "150200",
    }
    # Nothing of the ledger, the stays, the certifications or other institutions.
    for leak in (world.baotou_hospital.name, "I10", "2026-01-05", "C2"):
        assert leak not in text(response)


def test_lookup_balance_is_the_account_balance(world):
    response = world.api.get("/api/v1/persons/lookup/", {"id_number": world.patient.id_number})
    assert response.json()["balc"] == f"{account_for(person=world.patient).balance:.2f}"
    assert response.json()["psn_no"] == str(world.patient.pk)


def test_lookup_needs_one_full_valid_id_number(world):
    url = "/api/v1/persons/lookup/"
    assert world.api.get(url).status_code == 400
    assert world.api.get(url, {"id_number": world.stranger.id_number[:14]}).status_code == 400
    assert world.api.get(url, {"id_number": "王芳"}).status_code == 400
    assert "id_number" in world.api.get(url, {"id_number": "12345"}).json()
    from tests.factories import id_number

    unknown = world.api.get(url, {"id_number": id_number("420100", seq=999)})
    assert unknown.status_code == 404


def test_lookup_needs_a_linked_institution_user(world):
    api = APIClient()
    api.force_authenticate(UserFactory(username="his-unlinked", roles=["institution"]))
    response = api.get("/api/v1/persons/lookup/", {"id_number": world.patient.id_number})
    assert response.status_code == 403


def test_bureau_staff_may_look_up_too(world):
    api = APIClient()
    api.force_authenticate(UserFactory(username="clerk-lookup", roles=["clerk"]))
    response = api.get("/api/v1/persons/lookup/", {"id_number": world.patient.id_number})
    assert response.status_code == 200 and set(response.json()) == LOOKUP_FIELDS


# --- Claims: settle, preview, reverse, read its own ----------------------------------------------
def test_claims_settle_preview_and_reverse_for_its_own_institution(world):
    preview = world.api.post("/api/v1/claims/preview/", claim_body(world), format="json")
    assert preview.status_code == 200 and preview.json()["status"] == "preview"
    settled = world.api.post("/api/v1/claims/", claim_body(world), format="json")
    assert settled.status_code == 201
    reversed_ = world.api.post(f"/api/v1/claims/{settled.json()['id']}/reverse/")
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"


def test_a_preview_is_for_its_patients_only(world):
    """A preview writes nothing and leaves no trace: tried on any person id, its figures and
    refusals told that person's balance, deductible used, stay or certified disease (a
    chronic preview succeeds only with an approved certification). An institution previews
    the claims of its patients: those it settled, or identified by the ID number they
    present (the person lookup, 1101); each identification is in the audit trail."""
    from staff.models import AuditEvent

    stranger = {**claim_body(world), "person": world.stranger.pk, "total_amount": "99999.00"}
    for benefit in ("general_outpatient", "chronic"):
        body = {**stranger, "benefit": benefit, "disease_code": "I10"}
        refused = world.api.post("/api/v1/claims/preview/", body, format="json")
        assert refused.status_code == 403, refused.content
        assert "lookup" in refused.json()["detail"]
        for leak in ("pool_paid", "account_paid", "I10", world.stranger.name):
            assert leak not in text(refused)
    # Its settled patient is previewed as before.
    own = world.api.post("/api/v1/claims/preview/", claim_body(world), format="json")
    assert own.status_code == 200
    # The stranger comes to the counter with their ID card: looked up, then previewed.
    looked = world.api.get("/api/v1/persons/lookup/", {"id_number": world.stranger.id_number})
    assert looked.status_code == 200
    event = AuditEvent.objects.get(action="enrollment.person.lookup", person_id=world.stranger.pk)
    assert (event.actor, event.object_id) == (world.user, str(world.ours.pk))
    # (Baotou's patient at a Wuhan hospital: the policy then answers, 422 for an unset value.)
    after = world.api.post("/api/v1/claims/preview/", stranger, format="json")
    assert after.status_code in (200, 422) and "lookup" not in text(after), after.content
    # Another institution's lookup makes nobody this institution's patient.
    other = UserFactory(username="his-hb", roles=["institution"])
    InstitutionUser.objects.create(user=other, institution=world.theirs)
    api = APIClient()
    api.force_authenticate(other)
    body = {**stranger, "institution": world.theirs.pk}
    assert api.post("/api/v1/claims/preview/", body, format="json").status_code == 403


def test_a_refused_settlement_tells_a_non_patient_nothing(world):
    """A refused settlement writes nothing and its reason told a stranger's facts (no approved
    certification for I10, the stay, the policy's unset values): for a person the institution
    has neither identified nor settled, the refusal says only that; for its patient the reason
    is given as before. A settlement that goes through is recorded and audited."""
    stranger = {**claim_body(world, number="S1"), "person": world.stranger.pk}
    body = {**stranger, "benefit": "chronic", "disease_code": "I10"}
    refused = world.api.post("/api/v1/claims/", body, format="json")
    assert refused.status_code == 403, refused.content
    assert "lookup" in refused.json()["detail"]
    for leak in ("I10", "certif", "认定", world.stranger.name):
        assert leak not in text(refused)
    # The same refusal for its patient names the reason.
    own = {**claim_body(world, number="S2"), "benefit": "chronic", "disease_code": "I10"}
    reason = world.api.post("/api/v1/claims/", own, format="json")
    assert reason.status_code in (400, 409, 422) and "lookup" not in text(reason), reason.content
    assert not Settlement.objects.filter(claim_number__in=["S1", "S2"]).exists()


def test_claims_for_another_institution_are_refused(world):
    body = claim_body(world, institution=world.theirs)
    assert world.api.post("/api/v1/claims/", body, format="json").status_code == 403
    assert world.api.post("/api/v1/claims/preview/", body, format="json").status_code == 403


def test_claims_read_are_its_own_only(world):
    listed = world.api.get("/api/v1/claims/")
    assert listed.status_code == 200
    assert {row["id"] for row in listed.json()["results"]} == {world.own_claim.pk}
    by_person = world.api.get("/api/v1/claims/", {"person": world.stranger.pk})
    assert by_person.json()["results"] == []
    assert world.api.get(f"/api/v1/claims/{world.own_claim.pk}/").status_code == 200
    assert world.api.get(f"/api/v1/claims/{world.their_claim.pk}/").status_code == 404
    assert world.api.post(f"/api/v1/claims/{world.their_claim.pk}/reverse/").status_code == 404
    world.their_claim.refresh_from_db()
    assert world.their_claim.status == Settlement.Status.SETTLED


# --- Reference data and jobs ---------------------------------------------------------------------
def test_reference_data_is_readable(world):
    assert world.api.get("/api/v1/regions/").status_code == 200
    assert world.api.get("/api/v1/regions/420100/policy/").status_code == 200
    assert world.api.get("/api/v1/regions/420100/policies/").status_code == 200
    assert world.api.get("/api/v1/policy-schema/").status_code == 200
    assert world.api.get("/api/v1/institutions/").status_code == 200
    assert world.api.get(f"/api/v1/institutions/{world.theirs.pk}/").status_code == 200
    assert world.api.post("/api/v1/institutions/", {}, format="json").status_code == 403
    assert world.api.post("/api/v1/regions/420100/policies/", {}, format="json").status_code == 403


def test_jobs_are_its_own_only(world):
    bureau_job = job_create(
        kind="selfcheck", parameters={}, created_by=UserFactory(username="mgr", roles=["manager"])
    )
    listed = world.api.get("/api/v1/jobs/")
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert world.api.get(f"/api/v1/jobs/{bureau_job.pk}/").status_code == 404
    assert world.api.post("/api/v1/jobs/", {"kind": "selfcheck"}, format="json").status_code == 403
    assert world.api.post("/api/v1/imports/payroll/", {}).status_code == 403


# --- Pages ---------------------------------------------------------------------------------------
def test_no_page_about_people_is_reachable(world, client):
    client.force_login(world.user)
    for path in (
        "/enrollment/persons/",
        f"/enrollment/persons/{world.stranger.pk}/",
        f"/accounts/persons/{world.stranger.pk}/statement/",
        f"/claims/settlements/{world.own_claim.pk}/",
        "/claims/certifications/",
        "/family-sharing/",
        f"/family-sharing/statement/{world.stranger.pk}/",
        "/dashboards/",
        "/audit/",
    ):
        assert client.get(path).status_code in (302, 403), path


# --- Masked lists carry nothing the mask hides ---------------------------------------------------
@pytest.mark.parametrize("role", ["manager", "auditor", "policy_admin"])
def test_masked_person_lists_have_no_birth_date(world, role):
    api = APIClient()
    api.force_authenticate(UserFactory(username=f"masked-{role}", roles=[role]))
    response = api.get("/api/v1/persons/")
    if role == "policy_admin":
        # Nothing of a person is a policy administrator's work: not even the masked list
        # (tests/security/test_least_privilege.py).
        assert response.status_code == 403 and world.stranger.name not in text(response)
        return
    rows = response.json()["results"]
    assert {row["id"] for row in rows} == {world.patient.pk, world.stranger.pk}
    for row in rows:
        assert "********" in row["id_number"]
        assert "birth_date" not in row and "age" not in row
        # The hidden digits (the birth date) appear nowhere in the row, in any format.
        person = world.patient if row["id"] == world.patient.pk else world.stranger
        flat = repr(row).replace("-", "")
        assert person.id_number[6:14] not in flat


def test_clerks_see_full_numbers_and_birth_dates(world):
    api = APIClient()
    api.force_authenticate(UserFactory(username="clerk-full", roles=["clerk"]))
    rows = api.get("/api/v1/persons/").json()["results"]
    by_id = {row["id"]: row for row in rows}
    assert by_id[world.stranger.pk]["id_number"] == world.stranger.id_number
    assert by_id[world.stranger.pk]["birth_date"] == world.stranger.birth_date.isoformat()
