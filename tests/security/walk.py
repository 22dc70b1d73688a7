"""Every route of the URLconf with the methods it serves, and what a role gets from it."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver

METHODS = ("get", "post", "put", "patch", "delete")
SKIPPED = ("admin/", "static/", "media/")  # Django's admin has its own staff/superuser check


def routes() -> list[tuple[str, str]]:
    """``(route, method)`` for every route outside the admin, methods as the view serves them
    (an API view's handlers; a page: GET and POST)."""
    found = []

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith(SKIPPED):
                    continue
                cls = getattr(p.callback, "view_class", None) or getattr(p.callback, "cls", None)
                served = (
                    [m for m in METHODS if hasattr(cls, m)] if cls is not None else ["get", "post"]
                )
                found.extend((route, m.upper()) for m in served)

    walk(get_resolver().url_patterns)
    return found


def concrete(route: str) -> str:
    """A path for a route: ids that exist in no table, codes that name no region."""
    path = re.sub(r"<int:\w+>", "999999", route)
    path = re.sub(r"<str:\w+>", "no-such-code", path)
    return "/" + path


def outcome(response) -> str:
    """``deny`` (401/403, or a page's redirect to the login), ``n/a`` (405: the method is not
    served) or ``allow`` (anything else: 2xx, a 400 on an empty form, a 404 on a missing id)."""
    if response.status_code in (401, 403):
        return "deny"
    if response.status_code == 302 and "/accounts/login/" in response.get("Location", ""):
        return "deny"
    if response.status_code == 405:
        return "n/a"
    return "allow"
