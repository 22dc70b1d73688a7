"""Who uses a policy version. Apps that record settlements register a counter here, so that
``policies`` (which imports none of them) can refuse to close or supersede a version from a date
on which settled claims already used it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

# counter(version, on_or_after) -> number of settled claims that used ``version`` for a visit
# on or after ``on_or_after``.
_COUNTERS: list[Callable[[object, date], int]] = []


def register_usage_counter(counter: Callable[[object, date], int]) -> None:
    _COUNTERS.append(counter)


def settled_claims_using(version, on_or_after: date) -> int:
    return sum(counter(version, on_or_after) for counter in _COUNTERS)
