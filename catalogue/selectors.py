"""Reads of the catalogue: the terms of items for a region and date, and the clerks' search."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Q, QuerySet

from .models import CatalogueItem, CatalogueOverride
from .split import Item

_INITIALS = re.compile(r"^[A-Za-z]{1,50}$")


def _covers(valid_from, valid_to, on: date) -> bool:
    return (valid_from is None or valid_from <= on) and (valid_to is None or valid_to >= on)


def items_for(*, codes, region_id: int, on: date) -> dict[str, Item]:
    """The catalogue's terms for ``codes`` at an institution of ``region_id`` on ``on``: the
    region's override where one is in force, else the national item; an item out of its
    validity is absent (its lines are then fully self-paid). Two queries for any number of codes."""
    codes = sorted(set(codes))
    found: dict[str, Item] = {}
    rows = CatalogueItem.objects.filter(code__in=codes).values_list(
        "id", "code", "chrgitm_lv", "med_chrgitm_type", "price_ceiling", "selfpay_prop",
        "valid_from", "valid_to",
    )  # fmt: skip
    by_id = {}
    for pk, code, lv, kind, ceiling, prop, vf, vt in rows:
        by_id[pk] = (code, kind)
        if _covers(vf, vt, on):
            found[code] = Item(code, lv, kind, ceiling, prop)
    if by_id:
        overrides = CatalogueOverride.objects.filter(
            item_id__in=list(by_id), region_id=region_id
        ).values_list(
            "item_id", "chrgitm_lv", "price_ceiling", "selfpay_prop", "valid_from", "valid_to"
        )
        for item_id, lv, ceiling, prop, vf, vt in overrides:
            if _covers(vf, vt, on):
                code, kind = by_id[item_id]
                found[code] = Item(code, lv, kind, ceiling, prop)
    return found


def catalogue_search(*, q: str = "", kind: str = "", level: str = "") -> QuerySet[CatalogueItem]:
    """By code (prefix), name (contains) or pinyin initials (prefix, e.g. ``amxl``)."""
    qs = CatalogueItem.objects.all()
    q = (q or "").strip()[:100]
    if q:
        condition = Q(code__istartswith=q) | Q(name__icontains=q)
        if _INITIALS.match(q):
            condition |= Q(initials__startswith=q.lower())
        qs = qs.filter(condition)
    if kind:
        qs = qs.filter(kind=kind)
    if level:
        qs = qs.filter(chrgitm_lv=level)
    return qs.order_by("code")
