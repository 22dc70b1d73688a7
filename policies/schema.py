"""The JSON Schema of a policy document, and the checks a schema cannot express.

Published at ``GET /api/v1/policy-schema/``. Names follow DESIGN.md (a contract: extend, don't
rename). Money is a decimal string with two places; a rate is a decimal string between 0 and 1;
``null`` means *unset* (left to the pooling area, or not given); ``"unlimited"`` means no cap.
Citations live beside the tree in ``sources``, keyed by dotted path.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

MONEY = {"type": "string", "pattern": r"^(0|[1-9][0-9]{0,11})\.[0-9]{2}$"}
BOUND = {"type": "string", "pattern": r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,4})?$"}
MONEY_OR_NULL = {"anyOf": [MONEY, {"type": "null"}]}
CAP = {"anyOf": [MONEY, {"const": "unlimited"}, {"type": "null"}]}
RATE = {"type": "string", "pattern": r"^(0(\.[0-9]{1,4})?|1(\.0{1,4})?)$"}
RATE_OR_NULL = {"anyOf": [RATE, {"type": "null"}]}
RATE_CLASSES = ["employee", "retiree", "retiree_before_2001"]
LEVELS = ["1", "2", "3", "pharmacy"]
# DESIGN.md "Relations": 配偶、父母、子女, and for documents that allow 近亲属
# (民法典 第一千零四十五条) also siblings, grandparents and grandchildren.
RELATIONS = ["spouse", "parent", "child", "sibling", "grandparent", "grandchild"]
# 商业健康保险 (Yuxi 第十六条（三）) is not 补充医疗保险 (Sichuan 第五条): a kind of its own.
PREMIUM_KINDS = [
    "resident_insurance",
    "long_term_care",
    "serious_illness",
    "supplementary",
    "commercial_health",
]
EXCLUSIONS = [
    "waiting_period",
    "inpatient_stay",
    "chronic_benefits",
    "arrears",
    "suspended",
    "non_designated",
]
EXCLUSION_LIST = {"type": "array", "items": {"enum": EXCLUSIONS}, "uniqueItems": True}
BENEFIT_NAMES = ["general_outpatient", "general_above_cap", "chronic", "special"]
# How a pharmacy claim is settled (定点零售药店): at the prescribing institution's level (Yuxi
# 第二十三条, 双通道), at the region's own pharmacy ratio (Sichuan 第七条), or not paid by the pool
# ("not_covered"); null = unset, the claim is refused naming the parameter.
PHARMACY_RULES = ["prescribing_level", "pharmacy_ratio", "not_covered"]
# Where a region's document names the lowest level for a benefit but lets specialist
# institutions of any level provide it (Jilin 一: 专科医疗机构（不限定等级）).
MARKINGS = ["fixed", "ceiling", "range_lower_bound", "approximate", "interpretation"]


def _by_class(value: dict) -> dict:
    return {
        "type": "object",
        "properties": {k: value for k in RATE_CLASSES},
        "required": ["employee", "retiree"],
        "additionalProperties": False,
    }


def _by_level(value: dict, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": {k: value for k in LEVELS},
        "required": required or ["1", "2", "3"],
        "additionalProperties": False,
    }


RETIREE_METHODS = [
    {
        "properties": {"method": {"const": "monthly"}, "amount": MONEY_OR_NULL},
        "required": ["method", "amount"],
    },
    {
        "properties": {"method": {"const": "annual"}, "amount": MONEY_OR_NULL},
        "required": ["method", "amount"],
    },
    {
        "properties": {
            "method": {"const": "annual_by_age"},
            "bands": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "properties": {
                        "min_age": {"type": "integer", "minimum": 0, "maximum": 150},
                        "max_age": {
                            "anyOf": [
                                {"type": "integer", "minimum": 0, "maximum": 150},
                                {"type": "null"},
                            ]
                        },
                        "annual": MONEY_OR_NULL,
                    },
                    "required": ["min_age", "max_age", "annual"],
                    "additionalProperties": False,
                },
            },
        },
        "required": ["method", "bands"],
    },
    {
        "properties": {
            "method": {"const": "pension_share"},
            # A monthly figure (元/月): the monthly credit is average_pension × rate.
            "average_pension": MONEY_OR_NULL,
            "rate": RATE_OR_NULL,
        },
        "required": ["method", "average_pension", "rate"],
    },
    {"properties": {"method": {"type": "null"}}, "required": ["method"]},
]

POLICY_DOCUMENT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://mutual-aid.example/api/v1/policy-schema/",
    "title": "Outpatient mutual-aid policy document (门诊共济保障政策文件)",
    "type": "object",
    "required": [
        "account",
        "general_outpatient",
        "chronic",
        "special",
        "family_sharing",
        "sources",
    ],
    "properties": {
        "account": {
            "type": "object",
            "required": ["employee_rate", "retiree", "no_account"],
            "properties": {
                "employee_rate": RATE_OR_NULL,
                "retiree": {"type": "object", "oneOf": RETIREE_METHODS},
                "retiree_credit_from": {"enum": ["next_month", "same_month", None]},
                "flexible_retiree_monthly": MONEY_OR_NULL,
                # What the own account pays: the individual's share (个人负担/自付部分); the
                # explanation's account and cash lines cite this article.
                "pays": {"enum": ["policy_self_pay"]},
                "no_account": {
                    "type": "array",
                    "items": {"enum": ["flexible", "single_pooling"]},
                    "uniqueItems": True,
                },
            },
        },
        "general_outpatient": {
            "type": "object",
            "required": ["deductible_basis", "deductible", "ratio", "annual_cap"],
            "properties": {
                "deductible_basis": {"enum": ["annual", "per_visit"]},
                "deductible": {"type": "object"},
                "ratio": _by_class({"anyOf": [_by_level(RATE_OR_NULL), {"type": "null"}]}),
                "annual_cap": _by_class(CAP),
                "class_b_first_pay_rate": RATE_OR_NULL,
                "unfiled_out_of_region_first_pay_rate": RATE_OR_NULL,
                "exclusions": EXCLUSION_LIST,
                # Is an outpatient visit on the discharge day inside the stay? (the stay's days)
                "inpatient_stay_includes_discharge_day": {"type": "boolean"},
                "pharmacy_rule": {"anyOf": [{"enum": PHARMACY_RULES}, {"type": "null"}]},
                # Yuxi 第九条: in-policy costs above the annual cap are paid at the inpatient
                # ratio of the institution visited (by rate class and level); null = unset.
                "above_cap_ratio": {
                    "anyOf": [
                        _by_class({"anyOf": [_by_level(RATE_OR_NULL), {"type": "null"}]}),
                        {"type": "null"},
                    ]
                },
                "class_b_applies_to": {
                    "type": "array",
                    "items": {"enum": ["general_outpatient", "chronic", "special"]},
                    "uniqueItems": True,
                },
                "min_level": {"anyOf": [{"enum": ["1", "2", "3"]}, {"type": "null"}]},
            },
            "allOf": [
                {
                    "if": {"properties": {"deductible_basis": {"const": "per_visit"}}},
                    "then": {"properties": {"deductible": _by_level(MONEY_OR_NULL)}},
                    "else": {"properties": {"deductible": _by_class(MONEY_OR_NULL)}},
                }
            ],
        },
        "chronic": {
            "type": "object",
            "required": ["deductible", "deductible_shared_with_general", "ratio", "cap_max"],
            "properties": {
                "deductible": MONEY_OR_NULL,
                "deductible_shared_with_general": {"type": "boolean"},
                "ratio": RATE_OR_NULL,
                "cap_first_disease": CAP,
                "cap_per_additional_disease": MONEY_OR_NULL,
                "cap_max": CAP,
                "excluded_during_inpatient_stay": {"type": "boolean"},
                "exclusions": EXCLUSION_LIST,
                "priority_over_general": {"type": "boolean"},
                "max_level": {"anyOf": [{"enum": ["1", "2", "3"]}, {"type": "null"}]},
            },
        },
        "special": {
            "type": "object",
            "required": ["deductible", "ratio_by_level", "exempt_diseases"],
            "properties": {
                "deductible": MONEY_OR_NULL,
                "ratio_by_level": {"anyOf": [_by_level(RATE_OR_NULL), {"type": "null"}]},
                "min_level": {"anyOf": [{"enum": ["1", "2", "3"]}, {"type": "null"}]},
                "specialist_any_level": {"type": "boolean"},
                "annual_cap": CAP,
                "exclusions": EXCLUSION_LIST,
                "exempt_diseases": {
                    "type": "object",
                    "propertyNames": {"pattern": r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$"},
                    "additionalProperties": {
                        "type": "object",
                        "properties": {"deductible": MONEY, "ratio": RATE},
                        "required": ["deductible", "ratio"],
                        "additionalProperties": False,
                    },
                },
            },
        },
        # Out-of-region care (异地就医): whether claims that could not be settled on-line are
        # settled by the bureau on paper (手工报销, e.g. Yuxi 第二十一条); null = not stated.
        # ``filing_kinds``: the out-of-region filings (异地就医备案, enrollment's kinds) whose
        # holders the document's filed rules cover; a filing of another kind leaves the visit
        # unfiled (Wuhan 第十七条: only 异地安置、常驻异地、异地长期居住, i.e. long-term filings;
        # 其他情形 pay the unfiled first share). Where the document names no kinds the key is
        # left out and every filing in the registry counts (DESIGN.md "Out-of-region filings").
        "out_of_region": {
            "type": "object",
            "properties": {
                "manual_reimbursement": {"type": ["boolean", "null"]},
                "filing_kinds": {
                    "anyOf": [
                        {
                            "type": "array",
                            "items": {"enum": ["long_term", "temporary"]},
                            "uniqueItems": True,
                        },
                        {"type": "null"},
                    ]
                },
            },
            "additionalProperties": False,
        },
        # A maximum shared with inpatient care (DESIGN.md "Inpatient pooled totals and combined
        # maxima"): by rate class, null = the document gives no figure; ``covers`` lists the
        # outpatient benefits whose pooled payments count within it.
        "combined_annual_max": {
            "type": "object",
            "required": ["employee", "retiree", "covers"],
            "properties": {
                **{k: CAP for k in RATE_CLASSES},
                "covers": {
                    "type": "array",
                    "items": {"enum": BENEFIT_NAMES},
                    "uniqueItems": True,
                },
            },
            "additionalProperties": False,
        },
        # Groups whose benefit the document leaves to a later rule (另行制定 / 自行确定): group
        # code → the benefits (account, general_outpatient, chronic, special) refused for them
        # until the bureau publishes their figures.
        "later_rule_groups": {
            "type": "object",
            "propertyNames": {"enum": ["veteran_before_1954", "single_pooling_lower_rate"]},
            "additionalProperties": {
                "type": "array",
                "items": {"enum": ["account", "general_outpatient", "chronic", "special"]},
                "uniqueItems": True,
            },
        },
        "family_sharing": {
            "type": "object",
            "required": ["relations", "min_residual_balance", "same_province_only"],
            "properties": {
                "relations": {
                    "anyOf": [
                        {"type": "array", "items": {"enum": RELATIONS}, "uniqueItems": True},
                        {"type": "null"},
                    ]
                },
                "min_residual_balance": MONEY_OR_NULL,
                # null: the document does not say (Jilin's notice says nothing of sharing); an
                # operation that needs it is refused naming it.
                "same_province_only": {"type": ["boolean", "null"]},
                "counts_toward_holder_deductible": {"type": ["boolean", "null"]},
                # Premiums only for the region's own insurance (Wuhan 第八条（三）: 参加我市…).
                "premiums_same_region_only": {"type": ["boolean", "null"]},
                "premium_kinds": {
                    "anyOf": [
                        {"type": "array", "items": {"enum": PREMIUM_KINDS}, "uniqueItems": True},
                        {"type": "null"},
                    ]
                },
                "prohibited_uses": {
                    "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]
                },
            },
        },
        "sources": {
            "type": "object",
            "propertyNames": {"pattern": r"^[a-z_]+(\.[a-z0-9_]+)*$"},
            "additionalProperties": {
                "type": "object",
                "required": ["article"],
                "properties": {
                    "article": {"type": "string", "minLength": 1},
                    "from": {"enum": MARKINGS},
                    "note": {"type": "string"},
                    # A framework's ceiling or range, binding its pooling areas' values.
                    "bound": {
                        "type": "object",
                        "properties": {"min": BOUND, "max": BOUND},
                        "minProperties": 1,
                        "additionalProperties": False,
                    },
                },
                "additionalProperties": False,
            },
        },
    },
}

_VALIDATOR = Draft202012Validator(POLICY_DOCUMENT_SCHEMA)


def _json_path(parts) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _walk(tree: Any, prefix: str = ""):
    """Yield (dotted path, value) for every leaf of the parameter tree."""
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from _walk(value, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, tree


def _exists(document: dict, dotted: str) -> bool:
    node: Any = document
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def source_for(document: dict, dotted: str) -> dict | None:
    """The source entry of a parameter: its own, or the nearest ancestor's."""
    sources = document.get("sources", {})
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        entry = sources.get(".".join(parts[:end]))
        if entry:
            return entry
    return None


_TYPES = {
    "string": "text",
    "object": "object",
    "array": "list",
    "boolean": "true/false",
    "integer": "whole number",
    "null": "null",
}


def _message(error) -> str:
    """A clerk's sentence for a schema error (jsonschema's own text is English and shows the
    regular expression): what the value must be, and the value given."""
    given = repr(error.instance) if not isinstance(error.instance, dict | list) else ""
    validator, expected = error.validator, error.validator_value
    if validator == "pattern" and expected == MONEY["pattern"]:
        text = _("an amount must be text with two decimals, e.g. “3500.00”")
    elif validator == "pattern" and expected == RATE["pattern"]:
        text = _("a ratio must be text between 0 and 1, e.g. “0.80”")
    elif validator == "pattern" and expected == BOUND["pattern"]:
        text = _("a bound must be a decimal number as text, e.g. “2000.00”")
    elif validator == "pattern":
        text = _("the value is not in the expected format")
    elif validator == "type":
        kinds = expected if isinstance(expected, list) else [expected]
        text = _("the value must be: %(kinds)s") % {
            "kinds": " / ".join(_(_TYPES.get(k, k)) for k in kinds)
        }
    elif validator == "required":
        missing = [k for k in expected if k not in (error.instance or {})]
        text = _("a required parameter is missing: %(names)s") % {"names": "、".join(missing)}
    elif validator in ("enum", "const"):
        allowed = expected if validator == "enum" else [expected]
        text = _("the value must be one of: %(values)s") % {
            # JSON's spelling of the values: null, not Python's None.
            "values": "、".join("null" if v is None else str(v) for v in allowed)
        }
    elif validator == "additionalProperties":
        known = set((error.schema.get("properties") or {}).keys())
        extra = [k for k in (error.instance or {}) if k not in known]
        text = _("unknown parameter: %(names)s") % {"names": "、".join(extra)}
    elif validator in ("minItems", "uniqueItems"):
        text = _("the list is empty or repeats a value")
    elif validator == "minimum":
        text = _("the value must be at least %(n)s") % {"n": expected}
    elif validator == "maximum":
        text = _("the value must be at most %(n)s") % {"n": expected}
    elif validator in ("minLength", "minProperties"):
        text = _("the value must not be empty")
    else:
        # jsonschema's own sentence is English (a keyword this function does not know yet).
        text = _("the value is not allowed here")
    return f"{text}（{_('given')}：{given}）" if given else text


def validate_document(document: Any) -> list[dict[str, str]]:
    """Every problem with a policy document as ``{"path": "$.a.b", "message": ...}``; [] if fine."""
    if not isinstance(document, dict):
        return [{"path": "$", "message": _("The policy document must be a JSON object.")}]
    errors = []
    for error in sorted(_VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path)):
        # "not valid under any of the given schemas" says little; the deepest alternative's
        # error names the exact value (e.g. the ratio that is above 1).
        while error.context:
            error = max(error.context, key=lambda e: len(e.absolute_path))
        errors.append({"path": _json_path(error.absolute_path), "message": _message(error)})
    if errors:
        return errors
    tree = {k: v for k, v in document.items() if k != "sources"}
    for dotted in document["sources"]:
        if not _exists(tree, dotted):
            errors.append(
                {
                    "path": f"$.sources.{dotted}",
                    "message": _("“%(name)s” is not a parameter of this document.")
                    % {"name": dotted},
                }
            )
    for dotted, value in _walk(tree):
        if value is None and source_for(document, dotted) is None:
            errors.append(
                {
                    "path": f"$.{dotted}",
                    "message": _(
                        "An unset (null) value needs a source entry naming the article that "
                        "leaves it to the pooling area."
                    ),
                }
            )
    bands = document["account"]["retiree"].get("bands") or []
    for i, band in enumerate(bands):
        if band["max_age"] is not None and band["max_age"] < band["min_age"]:
            errors.append(
                {
                    "path": f"$.account.retiree.bands[{i}].max_age",
                    "message": _("max_age is below min_age."),
                }
            )
    return errors
