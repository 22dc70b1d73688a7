"""Clerk pages: find, register, change, retire, inpatient stays, employers, institutions."""

import re
from datetime import date
from html.parser import HTMLParser

import pytest

from enrollment.id_numbers import make
from enrollment.models import Employer, InpatientStay, Institution, Person
from policies.models import Region
from policies.services import policies_load_seeds
from tests.factories import EmployerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client):
    policies_load_seeds()
    client.force_login(UserFactory(roles=["clerk"]))
    return client


@pytest.fixture
def employer():
    return EmployerFactory(code="WH001", region=Region.objects.get(code="420100"))


def register(clerk, employer, **changes):
    data = {
        "id_number": make("420102", date(1980, 1, 2), 11), "name": "张三", "region": "420100",
        "scheme": "employee", "category": "employee", "employment": "employer",
        "employer": employer.pk, "contribution_base": "8000.00", "retirement_date": "",
        "benefits_from": "2023-01-01", "status": "active",
    }  # fmt: skip
    data.update(changes)
    return clerk.post("/enrollment/persons/new/", data)


def test_register_find_and_see_a_person(clerk, employer):
    response = register(clerk, employer)
    person = Person.objects.get()
    assert response.status_code == 302 and response.url == f"/enrollment/persons/{person.pk}/"
    found = clerk.get("/enrollment/persons/?q=张").content.decode()
    assert "张三" in found and person.masked_id_number in found
    assert "张三" in clerk.get(f"/enrollment/persons/?q={person.id_number[:10]}").content.decode()
    page = clerk.get(f"/enrollment/persons/{person.pk}/").content.decode()
    assert person.id_number in page and "1980-01-02" in page


def test_bad_registration_shows_the_reason_next_to_the_field(clerk, employer):
    response = register(clerk, employer, id_number="420102198001020119")
    html = response.content.decode()
    assert response.status_code == 400  # a refused form is a 4xx, shown with its reasons
    assert 'data-field="id_number"' in html
    response = register(clerk, employer, category="retiree")
    assert 'data-field="retirement_date"' in response.content.decode()
    assert not Person.objects.exists()


def test_retirement_and_inpatient_stay(clerk, employer):
    register(clerk, employer)
    person = Person.objects.get()
    assert (
        clerk.post(
            f"/enrollment/persons/{person.pk}/retire/", {"retirement_date": "2025-12-31"}
        ).status_code
        == 302
    )
    person.refresh_from_db()
    assert person.category == "retiree" and person.retirement_date == date(2025, 12, 31)
    assert (
        clerk.post(
            f"/enrollment/persons/{person.pk}/stays/new/", {"admitted_on": "2026-01-05"}
        ).status_code
        == 302
    )
    stay = InpatientStay.objects.get()
    clerk.post(
        f"/enrollment/persons/{person.pk}/stays/{stay.pk}/discharge/",
        {"discharged_on": "2026-01-12"},
    )
    stay.refresh_from_db()
    assert stay.discharged_on == date(2026, 1, 12)
    page = clerk.get(f"/enrollment/persons/{person.pk}/").content.decode()
    assert "2026-01-05" in page and "退休" in page


def test_employers_and_institutions_pages(clerk):
    assert (
        clerk.post(
            "/enrollment/employers/new/", {"code": "E1", "name": "武汉重工", "region": "420100"}
        ).status_code
        == 302
    )
    assert Employer.objects.filter(code="E1").exists()
    assert "武汉重工" in clerk.get("/enrollment/employers/").content.decode()
    bad = clerk.post(
        "/enrollment/institutions/new/",
        {
            "code": "H1",
            "name": "医院",
            "region": "420100",
            "kind": "hospital",
            "level": "",
            "designated": "on",
        },
    )
    assert bad.status_code == 400 and 'data-field="level"' in bad.content.decode()
    ok = clerk.post(
        "/enrollment/institutions/new/",
        {
            "code": "H1",
            "name": "医院",
            "region": "420100",
            "kind": "hospital",
            "level": "2",
            "designated": "on",
        },
    )
    assert ok.status_code == 302 and Institution.objects.get().level == "2"


class _Posted(HTMLParser):
    """What a browser posts back from a page's form, untouched: a date input whose value is
    not an ISO date is shown empty and posted empty (the HTML standard's value sanitisation)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            value = a.get("value") or ""
            if kind == "date" and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
                value = ""
            if kind != "checkbox" or "checked" in a:
                self.data[a["name"]] = value if kind != "checkbox" else "on"
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def posted_back(html: str) -> dict[str, str]:
    parser = _Posted()
    parser.feed(html)
    return parser.data


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_saving_an_untouched_edit_form_changes_nothing(clerk, employer, language):
    """Issue 16: in zh-hans the dates came as 2022/01/01, which a browser shows (and posts)
    empty: benefits_from was erased and a retiree could not be saved at all."""
    clerk.cookies["django_language"] = language
    register(clerk, employer, category="retiree", retirement_date="2021-12-31")
    person = Person.objects.get()
    versions = person.history.count()
    page = clerk.get(f"/enrollment/persons/{person.pk}/edit/").content.decode()
    assert 'value="2021-12-31"' in page and 'value="2023-01-01"' in page
    data = posted_back(page)
    assert data["retirement_date"] == "2021-12-31" and data["benefits_from"] == "2023-01-01"
    response = clerk.post(f"/enrollment/persons/{person.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()
    person.refresh_from_db()
    assert person.retirement_date == date(2021, 12, 31)
    assert person.benefits_from == date(2023, 1, 1)
    assert person.history.count() == versions  # nothing changed, nothing recorded


def test_manager_reads_but_cannot_register(client):
    policies_load_seeds()
    client.force_login(UserFactory(roles=["manager"]))
    assert client.get("/enrollment/persons/?q=x").status_code == 200
    assert client.get("/enrollment/persons/new/").status_code == 403


def test_the_change_history_shows_labels_names_iso_dates_and_money(clerk, employer):
    """The history showed ``人员类别：employee → retiree``, ``状态：active → arrears``, a date as
    2026年10月31日, a base as 6000.00 and the clerk by username."""
    register(clerk, employer)
    person = Person.objects.get()
    data = posted_back(clerk.get(f"/enrollment/persons/{person.pk}/edit/").content.decode())
    data.update(
        category="retiree",
        retirement_date="2026-10-31",
        status="arrears",
        contribution_base="12345.60",
    )
    assert clerk.post(f"/enrollment/persons/{person.pk}/edit/", data).status_code == 302
    page = clerk.get(f"/enrollment/persons/{person.pk}/").content.decode()
    history = page[page.index('class="data history"') :]
    assert "人员类别：在职职工 → 退休人员" in history
    assert "状态：正常参保 → 欠缴" in history
    assert "退休日期：— → 2026-10-31" in history
    assert "→ 12,345.60" in history
    assert "employee" not in history and "arrears" not in history and "年" not in history


def test_the_institution_forms_optional_level_says_none_chosen(clerk):
    # Its empty option read "—" where every optional choice says 无.
    html = clerk.get("/enrollment/institutions/new/").content.decode()
    level = html.split('name="level"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>无</option>' in level


def test_a_clerk_opens_the_persons_settlements_from_the_person_page(clerk, employer):
    # The slips of a person were reachable only by typing the number into 结算查询.
    person = Person.objects.get(pk=register(clerk, employer).url.rstrip("/").rsplit("/", 1)[1])
    html = clerk.get(f"/enrollment/persons/{person.pk}/").content.decode()
    assert f'href="/claims/settlements/?person={person.id_number}" data-settlements-link' in html
    assert "结算记录" in html
