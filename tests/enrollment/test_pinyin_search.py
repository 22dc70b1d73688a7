"""Search by pinyin initials (``zs`` finds 张三), the searchable selects' JSON lookups, and the
lists' filters with their result counts."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment.models import Employer, Person
from enrollment.selectors import employer_search, person_search
from staff.pinyin import initials, is_initials_query
from tests.factories import (
    EmployerFactory,
    InstitutionFactory,
    PersonFactory,
    RegionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client):
    client.force_login(UserFactory(roles=["clerk"]))
    return client


def test_initials_of_names():
    assert initials("张三", surname=True) == "zs"
    assert initials("曾国藩", surname=True) == "zgf"  # a surname reading, not céng
    assert initials("武汉重型机床厂") == "whzxjcc"
    assert initials("ABC公司2") == "abcgs2"
    assert (
        is_initials_query("zs") and not is_initials_query("420102") and not is_initials_query("张")
    )


def test_initials_are_stored_on_save_and_on_rename():
    person = PersonFactory(name="张三")
    assert Person.objects.get(pk=person.pk).name_initials == "zs"
    person.name = "李四"
    person.save(update_fields=["name"])
    assert Person.objects.get(pk=person.pk).name_initials == "ls"
    employer = EmployerFactory(name="武汉重型机床厂")
    assert Employer.objects.get(pk=employer.pk).name_initials == "whzxjcc"


def test_the_initials_column_is_indexed():
    indexed = {
        tuple(c["columns"])
        for c in connection.introspection.get_constraints(
            connection.cursor(), Person._meta.db_table
        ).values()
        if c["index"]
    }
    assert ("name_initials",) in indexed


def test_person_search_by_initials_region_and_status():
    wuhan, other = RegionFactory(code="420100"), RegionFactory(code="110100")
    zhang = PersonFactory(name="张三", region=wuhan)
    PersonFactory(name="李四", region=wuhan, status="suspended")
    PersonFactory(name="周森", region=other)
    assert set(person_search(query="zs").values_list("name", flat=True)) == {"张三", "周森"}
    assert list(person_search(query="ZS", region="420100")) == [zhang]
    assert list(person_search(query="", region="420100", status="suspended"))[0].name == "李四"
    assert list(person_search(query="zhang")) == []


def test_the_person_page_finds_by_initials_and_counts(clerk):
    PersonFactory(name="张三")
    html = clerk.get("/enrollment/persons/?q=zs").content.decode()
    assert "张三" in html and 'data-count="1"' in html and "找到 1 条" in html


def test_a_bad_filter_is_a_400_in_chinese(clerk):
    response = clerk.get("/enrollment/persons/?status=nonsense")
    assert response.status_code == 400
    assert 'data-field="status"' in response.content.decode()


def test_employer_list_filters_and_counts(clerk):
    wuhan, other = RegionFactory(code="420100"), RegionFactory(code="110100")
    EmployerFactory(code="WH001", name="武汉重型机床厂", region=wuhan)
    EmployerFactory(code="BJ001", name="北京机床厂", region=other)
    html = clerk.get("/enrollment/employers/?q=whzx").content.decode()
    assert "武汉重型机床厂" in html and "北京机床厂" not in html and 'data-count="1"' in html
    html = clerk.get("/enrollment/employers/?region=110100").content.decode()
    assert "北京机床厂" in html and "武汉重型机床厂" not in html
    assert list(employer_search(query="wh0")) == [Employer.objects.get(code="WH001")]


def test_institution_list_filters(clerk):
    InstitutionFactory(code="H1", name="协和医院", kind="hospital", level="3")
    InstitutionFactory(code="P1", name="大药房", kind="pharmacy", level=None)
    html = clerk.get("/enrollment/institutions/?kind=pharmacy").content.decode()
    assert "大药房" in html and "协和医院" not in html and 'data-count="1"' in html
    html = clerk.get("/enrollment/institutions/?q=xh").content.decode()
    assert "协和医院" in html and "大药房" not in html


def test_lookups_answer_json_by_initials(clerk):
    EmployerFactory(code="WH001", name="武汉重型机床厂")
    InstitutionFactory(code="H1", name="协和医院")
    InstitutionFactory(code="P1", name="协和大药房", kind="pharmacy", level=None)
    data = json.loads(clerk.get("/enrollment/lookup/employers/?q=whzx").content)
    assert data["count"] == 1 and data["results"][0]["code"] == "WH001"
    assert data["results"][0]["label"] == "武汉重型机床厂（WH001）"
    data = json.loads(clerk.get("/enrollment/lookup/institutions/?q=xh&kind=hospital").content)
    assert [r["code"] for r in data["results"]] == ["H1"]
    assert clerk.get("/enrollment/lookup/institutions/?kind=nonsense").status_code == 400
    assert clerk.post("/enrollment/lookup/employers/").status_code == 405


def test_a_lookup_is_a_few_queries(clerk):
    for n in range(30):
        EmployerFactory(code=f"E{n:03d}", name=f"武汉第{n}厂")
    with CaptureQueriesContext(connection) as queries:
        data = json.loads(clerk.get("/enrollment/lookup/employers/?q=wh").content)
    assert data["count"] == 30 and data["shown"] == 20
    assert len(queries) < 10


def test_forms_mark_their_selects_searchable(clerk):
    html = clerk.get("/enrollment/persons/new/").content.decode()
    assert 'data-lookup="/enrollment/lookup/employers/"' in html
    assert "searchable_select.js" in html
