"""Behind the reverse proxy: the client's address is the entry our proxies added to
``X-Forwarded-For``, for the audit trail and the login throttle alike (issue 16)."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from staff.models import AuditEvent
from staff.proxies import client_address
from tests.factories import PASSWORD, UserFactory

PROXY = "10.0.0.2"  # the proxy's socket address, as gunicorn sees every request


def _request(forwarded: str | None, remote: str = PROXY):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_one_proxy_the_rightmost_entry_is_the_client():
    assert client_address(_request("203.0.113.7")) == "203.0.113.7"
    # The client wrote the leftmost entries itself; the proxy appended the real one.
    assert client_address(_request("6.6.6.6, 203.0.113.7")) == "203.0.113.7"
    assert client_address(_request("127.0.0.1,6.6.6.6,  203.0.113.7")) == "203.0.113.7"
    assert client_address(_request(None)) == PROXY
    assert client_address(_request("")) == PROXY
    assert client_address(_request("6.6.6.6, not-an-address")) is None


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_two_proxies_the_second_entry_from_the_right():
    assert client_address(_request("6.6.6.6, 203.0.113.7, 10.0.0.1")) == "203.0.113.7"
    assert client_address(_request("203.0.113.7")) == "203.0.113.7"  # the outer one skipped


@override_settings(TRUSTED_PROXY_COUNT=0, AUDIT_TRUST_X_FORWARDED_FOR=True)
def test_no_trusted_proxy_the_socket_address():
    assert client_address(_request("6.6.6.6, 203.0.113.7")) == PROXY


@override_settings(TRUSTED_PROXY_COUNT=None, AUDIT_TRUST_X_FORWARDED_FOR=True)
def test_the_old_switch_means_one_proxy():
    assert client_address(_request("6.6.6.6, 203.0.113.7")) == "203.0.113.7"


@override_settings(TRUSTED_PROXY_COUNT=None, AUDIT_TRUST_X_FORWARDED_FOR=False)
def test_by_default_the_header_is_ignored():
    assert client_address(_request("6.6.6.6, 203.0.113.7")) == PROXY


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_audit_trail_records_the_address_the_proxy_saw(client):
    UserFactory(username="clerk-proxy", roles=["clerk"])
    response = client.post(
        reverse("login"),
        {"username": "clerk-proxy", "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7",
    )
    assert response.status_code == 302
    assert AuditEvent.objects.get(action="staff.login").address == "203.0.113.7"


def _login(client, forwarded: str, password: str):
    return client.post(
        reverse("login"),
        {"username": "clerk-locked", "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.mark.django_db
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_lockout_behind_the_proxy_locks_the_guessing_client_only():
    UserFactory(username="clerk-locked", roles=["clerk"])
    attacker, colleague = Client(), Client()
    for _ in range(4):
        assert _login(attacker, "198.51.100.1", "wrong").status_code == 200
    assert _login(attacker, "198.51.100.1", "wrong").status_code == 429
    # The attacker is locked out, even with the right password…
    assert _login(attacker, "198.51.100.1", PASSWORD).status_code == 429
    # …and a leftmost entry of its own choosing does not change the key.
    assert _login(attacker, "198.51.100.2, 198.51.100.1", PASSWORD).status_code == 429
    # The real user at another address behind the same proxy still signs in.
    assert _login(colleague, "198.51.100.2", PASSWORD).status_code == 302
    # A client spoofing the attacker's address on the left is keyed on its own address.
    assert _login(Client(), "198.51.100.1, 198.51.100.3", PASSWORD).status_code == 302
