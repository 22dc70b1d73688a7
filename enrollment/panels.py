"""Panels on the person page contributed by later apps (account, sharing, claims).

An app registers ``panel(request, person) -> {"title", "template", "context"} | None``; the
person page shows each non-empty panel. ``enrollment`` imports none of those apps.
"""

from collections.abc import Callable

_PANELS: list[Callable] = []


def register_panel(panel: Callable) -> Callable:
    _PANELS.append(panel)
    return panel


def panels_for(*, request, person) -> list[dict]:
    return [p for p in (panel(request, person) for panel in _PANELS) if p]
