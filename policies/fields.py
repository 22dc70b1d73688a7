"""One policy parameter typed into a form field (the publish form's unset parameters): what kind
of value the schema takes at a dotted path, and the typed text read as that value, or the
reason it cannot be, in words a policy administrator reads next to the field."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from staff.inputs import has_foreign_digits
from staff.parsers import loads, parse_error_message, plain_json

from .schema import POLICY_DOCUMENT_SCHEMA


def _branches(schema: Any) -> list[dict]:
    """``schema`` and every sub-schema it is made of (anyOf/oneOf/allOf, if/then/else)."""
    out, stack = [], [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        out.append(node)
        for key in ("anyOf", "oneOf", "allOf"):
            stack.extend(node.get(key, []))
        stack.extend(node[k] for k in ("then", "else") if k in node)
    return out


def schema_at(path: str) -> list[dict]:
    """The leaf schemas a value at ``path`` may take (flattened through anyOf and friends)."""
    nodes = [POLICY_DOCUMENT_SCHEMA]
    for part in path.split("."):
        found = []
        for node in nodes:
            for branch in _branches(node):
                props = branch.get("properties") or {}
                if part in props:
                    found.append(props[part])
                elif isinstance(branch.get("additionalProperties"), dict):
                    found.append(branch["additionalProperties"])
        nodes = found
    return [b for node in nodes for b in _branches(node) if not {"anyOf", "oneOf"} & set(b)]


def _types(leaf: dict) -> list:
    kind = leaf.get("type")
    return kind if isinstance(kind, list) else [kind]


def value_kind(path: str) -> str:
    """money, rate, boolean, choice or json (anything else: typed as JSON)."""
    leaves = schema_at(path)
    patterns = [leaf.get("pattern", "") for leaf in leaves]
    if any("\\.[0-9]{2}$" in p for p in patterns):
        return "money"
    if any(p.startswith("^(0(\\.[0-9]{1,4})?") for p in patterns):
        return "rate"
    if any("boolean" in _types(leaf) for leaf in leaves):
        return "boolean"
    if any("enum" in leaf for leaf in leaves):
        return "choice"
    return "json"


def choices(path: str) -> list:
    return [v for leaf in schema_at(path) for v in leaf.get("enum", []) if v is not None]


def allows_unlimited(path: str) -> bool:
    return any(leaf.get("const") == "unlimited" for leaf in schema_at(path))


def hint(path: str) -> str:
    """What to type, shown as the field's placeholder ("e.g. …": never mistaken for a value)."""
    return _("e.g. %(value)s") % {"value": _example(path)}


def _example(path: str) -> str:
    kind = value_kind(path)
    if kind == "money":
        return "3500.00" + (" / unlimited" if allows_unlimited(path) else "")
    if kind == "rate":
        return "0.80"
    if kind == "boolean":
        return "true / false"
    if kind == "choice":
        return " / ".join(str(c) for c in choices(path))
    return "JSON"


def parse(path: str, raw: str) -> tuple[Any, str]:
    """(value, "") or (None, the reason in words)."""
    text = raw.strip()
    if has_foreign_digits(text):
        return None, _("Use ASCII digits (0-9), not full-width or other digits.")
    kind = value_kind(path)
    if kind in ("money", "rate"):
        if text.lower() == "unlimited" and allows_unlimited(path):
            return "unlimited", ""
        percent = kind == "rate" and text.endswith("%")
        try:
            amount = Decimal(text.removesuffix("%").replace(",", "").strip())
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            return None, (
                _("An amount in yuan with at most two decimals, e.g. 3500.00.")
                if kind == "money"
                else _("A rate between 0 and 1, e.g. 0.80 (or 80%).")
            )
        if kind == "money":
            if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= 10**12:
                return None, _("An amount in yuan, 0 or more, with at most two decimals.")
            return f"{amount:.2f}", ""
        if percent:
            amount = amount / 100
        if not (0 <= amount <= 1) or amount != amount.quantize(Decimal("0.0001")):
            return None, _("A rate between 0 and 1 with at most four decimals, e.g. 0.80.")
        return f"{amount.normalize():f}" if amount else "0", ""
    if kind == "boolean":
        words = {"true": True, "是": True, "false": False, "否": False}
        if text.lower() not in words:
            return None, _("true (是) or false (否).")
        return words[text.lower()], ""
    if kind == "choice":
        allowed = choices(path)
        if text not in [str(c) for c in allowed]:
            return None, _("One of: %(values)s.") % {"values": "、".join(map(str, allowed))}
        return next(c for c in allowed if str(c) == text), ""
    try:
        return plain_json(loads(text)), ""  # 0.85 as "0.85", as the API and the form read it
    except json.JSONDecodeError as exc:
        return None, _("Not valid JSON: %(error)s") % {"error": exc.msg}
    except ValueError as exc:  # too deep, NaN or Infinity, too many digits
        return None, parse_error_message(exc)
