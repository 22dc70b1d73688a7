"""400, 403, 404 and 500 in Chinese, in the site's layout, with a way back; auditors' forms are
read-only in the browser (and refused by the server)."""

import json

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


def test_a_request_too_large_or_with_too_many_fields_is_refused_in_chinese(client):
    """Django refuses it before any view (DATA_UPLOAD_MAX_NUMBER_FIELDS, _MEMORY_SIZE): the page
    was Django's English ``Bad Request (400)``, the API's answer an empty body. Nothing is
    written."""
    from enrollment.models import Employer
    from tests.api.test_bad_input import api

    client.force_login(UserFactory(roles=["clerk"]))
    many = {f"f{i}": "1" for i in range(1500)}
    html = _chinese_page(client.post("/enrollment/employers/new/", many), 400, "请求无法读取")
    assert "Bad Request" not in html and "未做任何更改" in html
    big = "x" * (11 * 1024 * 1024)
    _chinese_page(client.post("/enrollment/employers/new/", {"code": big}), 400, "请求过大")
    for response in (
        api("clerk").get("/api/v1/persons/", many),
        api("clerk").post(
            "/api/v1/employers/", json.dumps({"code": big}), content_type="application/json"
        ),
    ):
        assert response.status_code == 400
        assert response.json() == {
            "detail": "请求无法读取：请求过大、字段过多或格式有误。未做任何更改。"
        }
    assert not Employer.objects.exists()
