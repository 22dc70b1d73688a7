"""The side menu by role (only links the role may open, the current page marked) and the
breadcrumbs on every page."""

import re

import pytest

from staff.navigation import side_menu
from staff.permissions_matrix import MATRIX
from staff.roles import CLERK, INSTITUTION, MANAGER, POLICY_ADMIN, ROLE_CODES
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def _menu(html: str) -> str:
    return re.search(r'<nav class="side-menu".*?</nav>', html, re.S).group(0)


def _current(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)" aria-current="page"', _menu(html))


@pytest.mark.parametrize("role", ROLE_CODES)
def test_the_menu_never_shows_a_link_the_matrix_refuses(role):
    from django.urls import resolve

    user = UserFactory(roles=[role])
    menu = side_menu(user, "/")
    for section in menu["sections"]:
        for link in section["links"]:
            route = resolve(link["url"]).route
            assert role in MATRIX[f"GET {route}"], (role, link["url"])
    if role != INSTITUTION:
        assert menu["sections"], role


@pytest.mark.parametrize(
    ("role", "path", "marked"),
    [
        (CLERK, "/enrollment/persons/", "/enrollment/persons/"),
        (CLERK, "/enrollment/persons/new/", "/enrollment/persons/new/"),
        (CLERK, "/accounts/payroll/", "/accounts/payroll/"),
        (MANAGER, "/dashboards/", "/dashboards/"),
        (MANAGER, "/dashboards/accounts/", "/dashboards/accounts/"),
        (POLICY_ADMIN, "/policies/", "/policies/"),
        (POLICY_ADMIN, "/policies/schema/", "/policies/schema/"),
    ],
)
def test_the_menu_marks_the_current_page(client, role, path, marked):
    client.force_login(UserFactory(roles=[role]))
    html = client.get(path).content.decode()
    assert _current(html) == [marked]
    assert 'class="breadcrumbs"' in html


def test_a_detail_page_marks_its_list_and_shows_the_trail(client):
    person = PersonFactory(name="张三")
    client.force_login(UserFactory(roles=[CLERK]))
    html = client.get(f"/enrollment/persons/{person.pk}/").content.decode()
    assert _current(html) == ["/enrollment/persons/"]
    trail = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert "首页" in trail and "查询参保人" in trail and "张三" in trail
    assert trail.index("首页") < trail.index("查询参保人") < trail.index("张三")


def test_the_home_page_is_the_whole_trail(client):
    client.force_login(UserFactory(roles=[CLERK]))
    html = client.get("/").content.decode()
    trail = re.search(r'<nav class="breadcrumbs".*?</nav>', html, re.S).group(0)
    assert '<li aria-current="page">首页</li>' in trail
    assert _current(html) == []


def test_the_login_page_has_no_menu(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'class="side-menu"' not in html and 'class="breadcrumbs"' not in html
