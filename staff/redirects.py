"""Where a page may send its visitor back to: a path on this site, never another host.

A ``next`` field arrives from the browser, so anyone can write ``https://evil.example/`` or
``//evil.example`` into a link and have the bureau's own site bounce a clerk to a look-alike.
Only a path on this host is followed; anything else falls back to the page's default.
"""

from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, candidate: str | None) -> str | None:
    """``candidate`` if it is a path on this site (``/…``, not ``//…`` or ``/\\…``), else None."""
    if not candidate:
        return None
    candidate = candidate.strip()
    # A bare path only: browsers read "//host", "/\\host" and "\\\\host" as another host, and
    # a scheme with no slashes ("https:evil.example") as a URL; Django's check is a second net.
    if not candidate.startswith("/") or candidate[1:2] in ("/", "\\"):
        return None
    if any(ch in candidate for ch in "\r\n\t\x00"):
        return None
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return candidate


def redirect_next(request, default, *, field: str = "next"):
    """Redirect to the request's ``next`` (POST first, then GET) if it stays on this site,
    else to ``default`` (a URL name or path, as ``redirect`` takes it)."""
    candidate = request.POST.get(field) or request.GET.get(field)
    return redirect(safe_next(request, candidate) or default)
