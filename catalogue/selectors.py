"""Reads of the catalogue: the terms of items for a region and date, and the clerks' search."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from django.db.models import Q, QuerySet

from staff import sql

from .models import CatalogueItem, CatalogueOverride
from .split import Item

_INITIALS = re.compile(r"^[A-Za-z]{1,50}$")


def _covers(valid_from, valid_to, on: date) -> bool:
    return (valid_from is None or valid_from <= on) and (valid_to is None or valid_to >= on)


_ITEM = ("id", "code", "chrgitm_lv", "med_chrgitm_type", "price_ceiling", "selfpay_prop",
         "valid_from", "valid_to")  # fmt: skip
_OVERRIDE = ("item_id", "chrgitm_lv", "price_ceiling", "selfpay_prop", "valid_from", "valid_to")


@cache
def _fields() -> list:
    return [CatalogueItem._meta.get_field(f) for f in _ITEM] + [
        CatalogueOverride._meta.get_field(f) for f in _OVERRIDE
    ]


def _items_sql(n: int) -> str:
    items, overrides = CatalogueItem._meta.db_table, CatalogueOverride._meta.db_table
    columns = ", ".join([f"i.{f}" for f in _ITEM] + [f"o.{f}" for f in _OVERRIDE])
    return (
        f"SELECT {columns} FROM {items} i LEFT JOIN {overrides} o"  # noqa: S608 - table names only
        f" ON o.item_id = i.id AND o.region_id = %s WHERE i.code IN ({sql.placeholders(n)})"
    )


def items_for(*, codes, region_id: int, on: date) -> dict[str, Item]:
    """The catalogue's terms for ``codes`` at an institution of ``region_id`` on ``on``: the
    region's override where one is in force, else the national item; an item out of its
    validity is absent (its lines are then fully self-paid). One prepared read for any number
    of codes (an item has at most one override per region)."""
    codes = sorted(set(codes))
    if not codes:
        return {}
    return items_from(sql.rows(*items_statement(codes=codes, region_id=region_id)), on=on)


def items_statement(*, codes, region_id: int) -> tuple[str, list]:
    """``items_for``'s read as a statement (for a caller's batch); ``codes`` not empty."""
    codes = sorted(set(codes))
    return _items_sql(len(codes)), [region_id, *codes]


def items_from(rows, *, on: date) -> dict[str, Item]:
    """``items_for``'s answer from the rows of ``items_statement``."""
    found: dict[str, Item] = {}
    fields = _fields()
    for row in rows:
        _pk, code, lv, kind, ceiling, prop, vf, vt, o_item, o_lv, o_ceiling, o_prop, o_vf, o_vt = (
            sql.values_of(fields, row)
        )
        if o_item is not None and _covers(o_vf, o_vt, on):
            found[code] = Item(code, o_lv, kind, o_ceiling, o_prop)
        elif _covers(vf, vt, on):
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
