"""A small fuzz of the clerks' form pages (``staff.forms.form_page`` and the pages shaped like
it): each form posted valid but for one field, which holds a hostile value (other digits, a
huge text, a NUL, an impossible date, a number spelled as no clerk writes it, an id that is no
row, a repeated key). No answer may be a server error; a refused form is a 400 whose messages
are in Chinese beside the field, and writes nothing. Bounded for CI: ``FORM_FUZZ_EXAMPLES``
examples per page (default 25), derandomized."""

import os
import re
from datetime import date

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import LedgerEntry
from claims.models import Disease
from family_sharing.services import sharing_grant
from tests.claims.test_settlement import _world
from tests.factories import PersonFactory, UserFactory, id_number

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CHINESE = re.compile("[\u4e00-\u9fff]")
# The messages themselves (not the "has-error" row around a field, whose label is Chinese).
ERRORS = re.compile(
    r'class="(?:form-error[^"]*|error|errorlist)"[^>]*>(.*?)</(?:div|span|ul)>', re.S
)
MISSING = object()
HOSTILE = st.one_of(
    st.sampled_from(
        [
            MISSING,
            "",
            " ",
            "\x00",
            "x" * 20_000,
            "９" * 18,
            "١٢٣",
            "²",
            "Ⅻ",
            "一",
            "-1",
            "-0.00",
            "1e3",
            "1_000",
            "+5",
            ".5",
            "5.",
            "0x10",
            "NaN",
            "Infinity",
            "99999999999999999999.99",
            "1.005",
            "0000-00-00",
            "2026-02-30",
            "2026-13-01",
            "20260230",
            "9999-12-31",
            "0001-01-01",
            "2099-01-01",
            "１９７０-01-01",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "999999999999999999999",
            "0",
            "on",
            "true",
            "2026-11",
            "\u202e",
            "🏥",
        ]
    ),  # fmt: skip
    st.text(max_size=30),
    st.lists(st.sampled_from(["1", "", "abc", "２"]), min_size=2, max_size=3),  # a repeated key
)
WATCHED = ["enrollment.Person", "enrollment.Employer", "enrollment.Institution",
           "enrollment.InpatientStay", "enrollment.OutOfRegionFiling", "claims.Settlement",
           "claims.ChronicCertification", "claims.InpatientTotal", "family_sharing.SharingAuthorisation",
           "family_sharing.PremiumPayment", "jobs.Job", "staff.AuditEvent", "staff.ReviewRequest"]  # fmt: skip


def state() -> tuple:
    counts = []
    for label in WATCHED:
        try:
            counts.append(apps.get_model(label).objects.count())
        except LookupError:  # a model this version does not have
            counts.append(None)
    return (*counts, LedgerEntry.objects.count())


@pytest.fixture
def pages(client):
    """The pages and a valid form for each (one field at a time is spoiled)."""
    person, _account, hospital = _world()
    employer = person.employer
    member = PersonFactory(region=person.region, employer=employer, benefits_from=date(2023, 1, 1))
    clerk = UserFactory(roles=["clerk"])
    grant = sharing_grant(
        holder=person, member=member, relation="spouse", proof_kind="household_register",
        proof_number="HK1", valid_from=date(2026, 1, 1), actor=clerk,
    )  # fmt: skip
    client.force_login(clerk)
    disease = Disease.objects.order_by("code").first()
    person_form = {
        "id_number": id_number(place="420100"), "name": "吴九", "region": "420100",
        "scheme": "employee", "category": "employee", "employment": "employer",
        "employer": str(employer.pk), "contribution_base": "6000.00", "status": "active",
        "benefits_from": "2026-01-01",
    }  # fmt: skip
    return client, {
        "person": ("/enrollment/persons/new/", person_form),
        "person_edit": (f"/enrollment/persons/{person.pk}/edit/",
                        {**person_form, "id_number": person.id_number, "name": person.name}),
        "retire": (f"/enrollment/persons/{person.pk}/retire/", {"retirement_date": "2026-01-01"}),
        "stay": (f"/enrollment/persons/{person.pk}/stays/new/",
                 {"admitted_on": "2026-02-01", "discharged_on": "2026-02-10"}),
        "filing": (f"/enrollment/persons/{person.pk}/filings/new/",
                   {"kind": "long_term", "region": "310000", "valid_from": "2026-01-01"}),
        "employer": ("/enrollment/employers/new/",
                     {"code": "E77", "name": "长江厂", "region": "420100"}),
        "institution": ("/enrollment/institutions/new/",
                        {"code": "H77", "name": "第九医院", "region": "420100",
                         "kind": "hospital", "level": "2", "designated": "on"}),
        "certification": ("/claims/certifications/",
                          {"id_number": person.id_number, "disease": disease.code,
                           "valid_from": "2026-01-01"}),
        "grant": (f"/family-sharing/grant/{person.pk}/",
                  {"member_id_number": PersonFactory(region=person.region).id_number,
                   "relation": "child", "proof_kind": "household_register",
                   "proof_number": "HK2", "valid_from": "2026-01-01"}),
        "premium": (f"/family-sharing/{grant.pk}/premium/",
                    {"kind": "long_term_care", "year": "2026", "amount": "380.00"}),
        "revoke": (f"/family-sharing/{grant.pk}/revoke/", {"reason": "家庭关系变更"}),
        "manual_claim": ("/claims/manual/",
                         {"claim_number": "INV-9", "id_number": person.id_number,
                          "institution": hospital.code, "visit_date": "2026-03-01",
                          "benefit": "general_outpatient", "total_amount": "120.00",
                          "self_pay_amount": "0.00", "class_b_amount": "0.00",
                          "use_account": "on"}),
        "inpatient_total": (f"/claims/persons/{person.pk}/inpatient-total/",
                            {"year": "2026", "pooled": "1000.00", "as_of": "2026-03-01",
                             "source": "住院系统报表"}),
    }  # fmt: skip


def _refusal_is_chinese(html: str) -> None:
    messages = [re.sub(r"<[^>]+>", "", m).strip() for m in ERRORS.findall(html)]
    messages = [m for m in messages if m]
    assert messages, "a refused form shows no message"
    for message in messages:
        assert CHINESE.search(message), message


@pytest.mark.parametrize(
    "page",
    ["person", "person_edit", "retire", "stay", "filing", "employer", "institution",
     "certification", "grant", "premium", "revoke", "manual_claim", "inpatient_total"],
)  # fmt: skip
def test_a_form_with_one_hostile_field(pages, page):
    client, forms = pages
    url, valid = forms[page]

    @FUZZ
    @given(field=st.sampled_from(sorted(valid) + ["unknown"]), value=HOSTILE)
    def run(field, value):
        data = dict(valid)
        if value is MISSING:
            data.pop(field, None)
        else:
            data[field] = value
        before = state()
        response = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")  # a 500 raises here
        assert response.status_code in (200, 302, 400, 403, 404), response.status_code
        if response.status_code == 400:
            _refusal_is_chinese(response.content.decode())
            assert state() == before, (field, value)

    run()


@pytest.mark.parametrize("path", ["/accounts/persons/{id}/statement/",
                                  "/family-sharing/statement/{id}/",
                                  "/accounts/persons/{id}/receipt/"])  # fmt: skip
def test_a_statement_with_hostile_filters(pages, path):
    client, _forms = pages
    from enrollment.models import Person

    url = path.format(id=Person.objects.order_by("pk").first().pk)
    names = ["date_from", "date_to", "period_from", "period_to", "page", "export"]

    @FUZZ
    @given(
        field=st.sampled_from(names),
        value=HOSTILE.filter(lambda v: v is not MISSING),
        export=st.sampled_from([None, "csv", "xlsx"]),
    )
    def run(field, value, export):
        query = {field: value, **({"export": export} if export and field != "export" else {})}
        response = client.get(url, query, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code in (200, 400, 404), response.status_code
        if response.status_code == 400:
            _refusal_is_chinese(response.content.decode())

    run()
