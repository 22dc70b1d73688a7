"""403, 404 and 500 in Chinese, in the site's layout, with a way back; auditors' forms are
read-only in the browser (and refused by the server)."""

import pytest
from django.test import Client, override_settings

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _chinese_page(response, status: int, text: str) -> str:
    html = response.content.decode()
    assert response.status_code == status
    assert text in html
    assert 'class="site-header"' in html and 'href="/"' in html  # the layout, a way back
    assert "Forbidden" not in html and "Not Found" not in html
    return html


def test_404_is_chinese_with_a_way_back(client):
    client.force_login(UserFactory(roles=["clerk"]))
    _chinese_page(client.get("/enrollment/persons/999999/"), 404, "页面不存在")
    _chinese_page(client.get("/no-such-page/"), 404, "返回首页")


def test_403_is_chinese_and_an_auditor_posting_is_refused(client):
    client.force_login(UserFactory(roles=["auditor"]))
    html = _chinese_page(client.post("/claims/manual/", {"claim_number": "X"}), 403, "无权访问")
    assert "未做任何更改" in html


@override_settings(ROOT_URLCONF="tests.staff.error_urls", DEBUG=False)
def test_500_is_chinese_with_a_way_back():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(roles=["clerk"]))
    _chinese_page(client.get("/boom/"), 500, "系统出错")


def test_auditor_pages_mark_forms_read_only(client):
    client.force_login(UserFactory(roles=["auditor"]))
    html = client.get("/claims/manual/").content.decode()
    assert 'data-read-only="true"' in html and "js/read_only.js" in html
    client.force_login(UserFactory(roles=["clerk"]))
    html = client.get("/claims/manual/").content.decode()
    assert "data-read-only" not in html
