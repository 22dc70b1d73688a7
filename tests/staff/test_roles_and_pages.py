"""Roles, login, the home page of each role, the language switch."""

import pytest
from django.contrib.auth.models import Group

from staff.roles import ROLE_CODES
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_migration_creates_the_five_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLE_CODES)


def test_login_page_is_chinese_by_default(client):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="zh-hans"' in html
    assert "登录" in html and "职工医保门诊共济保障经办系统" in html


def test_english_is_available(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    html = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in html and "Sign in" in html


def test_login_then_home_then_logout(client):
    UserFactory(username="wang", roles=["clerk"])
    response = client.post("/accounts/login/", {"username": "wang", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/").content.decode()
    assert 'data-role="clerk"' in home and "经办" in home
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client):
    UserFactory(username="wang")
    page = client.post("/accounts/login/", {"username": "wang", "password": "nope"})
    assert page.status_code == 200
    assert "form-error" in page.content.decode()


@pytest.mark.parametrize("role", ROLE_CODES)
def test_each_role_has_its_own_home_section(client, role):
    client.force_login(UserFactory(roles=[role]))
    html = client.get("/").content.decode()
    assert f'data-role="{role}"' in html
    others = set(ROLE_CODES) - {role}
    assert not any(f'data-role="{other}"' in html for other in others)


def test_home_links_only_to_pages_that_exist(client):
    client.force_login(UserFactory(roles=list(ROLE_CODES)))
    html = client.get("/").content.decode()
    import re

    for href in set(re.findall(r'<li><a href="([^"]+)"', html)):
        assert client.get(href).status_code == 200, href


def test_user_without_role_is_told_so(client):
    client.force_login(UserFactory())
    assert "尚未分配角色" in client.get("/").content.decode()


def test_admin_is_served(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200


def test_browser_language_does_not_override_chinese_first(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html


def test_names_are_shown_in_chinese_order(client):
    client.force_login(UserFactory(first_name="小明", last_name="张", roles=["clerk"]))
    assert "欢迎，张小明" in client.get("/").content.decode()


def test_a_signed_in_user_opening_the_sign_in_page_is_sent_home(client):
    client.force_login(UserFactory(roles=["clerk"]))
    response = client.get("/accounts/login/")
    assert response.status_code == 302 and response.url == "/"
    onward = client.get("/accounts/login/", {"next": "/claims/settlements/"})
    assert onward.status_code == 302 and onward.url == "/claims/settlements/"
