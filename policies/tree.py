"""The effective policy of a region (pure: no database).

A region's policy on a day is a stack of *layers*, lowest first: for each region from the root
of its tree down to itself, the fills in force (values a later notice supplied for what the
version left unset), then the version in force. Each layer overlays the ones below it key by
key (``merge``): a set value replaces what is below, ``null`` (unset here) or an absent key
lets the value below through. So a pooling area's own value always wins over its framework's,
and a fill never overrides a value a version sets: it only supplies what was unset.

``sources`` are merged the same way, key by key; an entry that came from another document than
the topmost version's carries ``"document"`` (its citation, e.g. 川办发〔2021〕85号) and
``"region"`` so the calculator cites the text the value really comes from.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class Layer:
    """One document in the stack: whose it is, and how it is cited."""

    region: str  # region code
    document: dict
    citation: str  # e.g. 包府办发〔2022〕99号
    kind: str = "version"  # version | fill
    version_id: int | None = None


@dataclass
class Effective:
    document: dict
    inherited: dict[str, str] = field(default_factory=dict)  # dotted path -> ancestor code
    origins: dict[str, Layer] = field(default_factory=dict)  # dotted path -> layer it came from


def merge(below: Any, above: Any) -> Any:
    """``above`` overlaid on ``below``: dicts key by key, ``None`` lets ``below`` through."""
    if above is None:
        return copy.deepcopy(below)
    if isinstance(above, dict) and isinstance(below, dict):
        merged = copy.deepcopy(below)
        for key, value in above.items():
            merged[key] = merge(below.get(key), value)
        return merged
    return copy.deepcopy(above)


def leaves(tree: Any, prefix: str = ""):
    """(dotted path, value) for every leaf of a parameter tree (``sources`` excluded)."""
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            if not prefix and key == "sources":
                continue
            yield from leaves(value, f"{prefix}.{key}" if prefix else key)
    elif prefix:
        yield prefix, tree


def lookup(tree: Any, dotted: str) -> Any:
    node = tree
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def _tree(document: dict) -> dict:
    return {k: v for k, v in document.items() if k != "sources"}


def effective(layers: list[Layer], region: str | None = None) -> Effective:
    """The stack of ``layers`` (lowest first) as one document, with each value's origin;
    ``inherited`` names the values that came from another region than ``region`` (default:
    the top layer's).

    One layer is returned as it is (a region without parent or fill: exactly its version)."""
    if not layers:
        return Effective(document={})
    top = layers[-1]
    region = region or top.region
    if len(layers) == 1:
        origins = {p: top for p, v in leaves(top.document) if v is not None}
        inherited = {p: top.region for p in origins} if top.region != region else {}
        return Effective(copy.deepcopy(top.document), inherited, origins)
    tree: dict = {}
    sources: dict = {}
    for layer in layers:
        tree = merge(tree, _tree(layer.document))
    origins: dict[str, Layer] = {}
    for path, value in leaves(tree):
        if value is None:
            continue
        # The value comes from the highest layer that sets it (a fill sits below its version,
        # so its value only shows where the version leaves the parameter unset).
        for layer in reversed(layers):
            if lookup(layer.document, path) is not None:
                origins[path] = layer
                break
    for layer in layers:
        for key, entry in (layer.document.get("sources") or {}).items():
            sources[key] = _cited(entry, layer, top)
    # A value a lower layer gave is cited from that layer, whatever the upper ones say about
    # the parameter (e.g. the fill's notice, not the version's "未给出数额").
    for path, layer in origins.items():
        if layer is top:
            continue
        entry = _source_for(layer.document.get("sources") or {}, path)
        if entry is not None:
            sources[path] = _cited(entry, layer, top)
    # A map whose values all come from one lower layer (e.g. a ratio by level a pooling area
    # inherits whole) is cited from that layer when it has no entry of its own.
    by_prefix: dict[str, set[int]] = {}
    for path, layer in origins.items():
        parts = path.split(".")
        for end in range(1, len(parts)):
            by_prefix.setdefault(".".join(parts[:end]), set()).add(id(layer))
    layer_of = {id(layer): layer for layer in origins.values()}
    for prefix, ids in by_prefix.items():
        if len(ids) == 1 and prefix not in sources:
            layer = layer_of[next(iter(ids))]
            if layer is not top and _source_for(sources, prefix) is None:
                sources[prefix] = _cited({"article": ""}, layer, top)
    document = {**tree, "sources": sources}
    inherited = {p: layer.region for p, layer in origins.items() if layer.region != region}
    return Effective(document, inherited, origins)


def _cited(entry: dict, layer: Layer, top: Layer) -> dict:
    if layer is top or (layer.region == top.region and layer.citation == top.citation):
        return dict(entry)
    return {**entry, "document": layer.citation, "region": layer.region}


def _source_for(sources: dict, dotted: str) -> dict | None:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        entry = sources.get(".".join(parts[:end]))
        if entry:
            return entry
    return None


# --- Fills and bounds ---------------------------------------------------------------------------


def filled_paths(base: dict, candidate: dict) -> list[str] | None:
    """The paths ``candidate`` sets where ``base`` leaves them unset, if that is its only
    difference from ``base`` (``sources`` aside); ``None`` if it changes or removes a value."""
    filled = []
    base_tree, cand_tree = _tree(base), _tree(candidate)
    for path, value in leaves(base_tree):
        if value is not None and lookup(cand_tree, path) != value:
            return None
    for path, value in leaves(cand_tree):
        if value is None:
            continue
        before = lookup(base_tree, path)
        if before is None:
            filled.append(path)
        elif before != value:
            return None
    return filled


def _number(value: Any) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


@dataclass(frozen=True)
class BoundBreach:
    path: str  # the child's parameter
    value: str
    bound: dict  # {"min": ..., "max": ...}
    article: str  # the parent's article
    citation: str  # the parent's document
    note: str = ""


def bound_breaches(parent_layers: list[Layer], child: dict) -> list[BoundBreach]:
    """Every value of ``child`` outside a bound its ancestors' sources state
    (``"bound": {"min"?, "max"?}`` beside a ``ceiling`` or ``range_lower_bound``). A bound on a
    path holds for every value below it (a ceiling on ``annual_cap`` binds each class);
    ``"unlimited"`` breaches any maximum."""
    breaches = []
    child_tree = _tree(child)
    for layer in parent_layers:
        for key, entry in (layer.document.get("sources") or {}).items():
            bound = entry.get("bound")
            if not bound:
                continue
            node = lookup(child_tree, key)
            for path, value in leaves(node, key) if isinstance(node, dict) else [(key, node)]:
                if value is None:
                    continue
                number = _number(value)
                low, high = _number(bound.get("min")), _number(bound.get("max"))
                outside = (
                    (number is None and high is not None and value == "unlimited")
                    or (number is not None and low is not None and number < low)
                    or (number is not None and high is not None and number > high)
                )
                if outside:
                    breaches.append(
                        BoundBreach(
                            path,
                            str(value),
                            dict(bound),
                            entry.get("article", ""),
                            layer.citation,
                            entry.get("note", ""),
                        )
                    )
    return breaches
