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


# New-style counters (the region tree): counter(region_ids, start, end) -> (count, first visit
# date) of settled claims of persons of these regions with a visit in [start, end] (end None:
# no end). A version published for a region changes its whole subtree's effective policy.
_SPAN_COUNTERS: list[Callable[[list[int], date, date | None], tuple[int, date | None]]] = []


def register_span_counter(counter) -> None:
    if counter not in _SPAN_COUNTERS:
        _SPAN_COUNTERS.append(counter)


def settlements_in(region_ids: list[int], start: date, end: date | None) -> tuple[int, date | None]:
    count, first = 0, None
    for counter in _SPAN_COUNTERS:
        n, day = counter(region_ids, start, end)
        count += n
        if day is not None and (first is None or day < first):
            first = day
    return count, first
