"""The client's address behind the deployment's reverse proxies, for the audit trail and the
login throttle alike.

Each proxy appends the address it received the connection from to ``X-Forwarded-For``; what
stands left of the entries our own proxies added was written by the client and proves nothing.
So with ``TRUSTED_PROXY_COUNT = n`` the client is the entry ``n`` hops from the right (one
proxy: the last entry), and without a header (or with no trusted proxy) the socket's
``REMOTE_ADDR``. The older switch ``AUDIT_TRUST_X_FORWARDED_FOR`` means one proxy.
"""

import ipaddress

from django.conf import settings


def trusted_proxy_count() -> int:
    count = getattr(settings, "TRUSTED_PROXY_COUNT", None)
    if count is None:
        # The old switch trusted "the proxy"; the documented deployment has exactly one.
        return 1 if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False) else 0
    return max(int(count), 0)


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address as our proxies saw it, or None if it is not an address."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = trusted_proxy_count()
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if count else ""
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    if not hops:
        return _address(remote)
    # Fewer hops than proxies: the request skipped the outer ones, and the leftmost entry was
    # still added by one of ours (the client's own entries would make the list longer).
    return _address(hops[max(len(hops) - count, 0)])


def axes_client_address(request) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: django-axes keys lockouts on the same address the audit
    trail records, so one client's failures behind the proxy lock out that client only."""
    return client_address(request) or request.META.get("REMOTE_ADDR") or None
