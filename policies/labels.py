"""Names of policy parameters for people (Chinese first, English beside), and value formatting."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import get_language

from staff.numbers import format_money

from .schema import source_for

LABELS: dict[str, tuple[str, str]] = {
    "account": ("个人账户", "Personal account"),
    "account.employee_rate": ("在职职工计入比例（缴费基数×）", "Employee crediting rate (× base)"),
    "account.retiree": ("退休人员划入办法", "Retiree crediting"),
    "account.retiree.method": ("退休人员划入方式", "Retiree crediting method"),
    "account.retiree.amount": ("退休人员划入定额", "Retiree fixed amount"),
    "account.retiree.average_pension": (
        "基本养老金平均水平（月）",
        "Average basic pension (monthly)",
    ),
    "account.retiree.rate": ("按养老金平均水平划入比例", "Share of the average pension"),
    "account.retiree.bands": ("按年龄段年度划入额", "Annual amount by age band"),
    "account.retiree_credit_from": ("退休人员待遇起始", "Retiree crediting starts"),
    "account.flexible_retiree_monthly": ("灵活就业退休人员每月补助", "Flexible retirees, monthly"),
    "account.no_account": ("不建个人账户人员", "No personal account"),
    "account.pays": ("个人账户支付范围", "What the account pays"),
    "general_outpatient": ("普通门诊统筹", "General outpatient pooling"),
    "general_outpatient.deductible_basis": ("起付标准计算方式", "Deductible basis"),
    "general_outpatient.deductible": ("起付标准", "Deductible"),
    "general_outpatient.ratio": ("统筹基金支付比例", "Reimbursement ratio"),
    "general_outpatient.annual_cap": ("年度最高支付限额", "Annual cap"),
    "general_outpatient.class_b_first_pay_rate": ("乙类先行自付比例", "Class-B first self-pay"),
    "general_outpatient.unfiled_out_of_region_first_pay_rate": (
        "未备案异地就医先行自付比例",
        "Unregistered out-of-region first self-pay",
    ),
    "general_outpatient.exclusions": ("不享受统筹待遇的情形", "Exclusions"),
    "chronic": ("门诊慢性病", "Chronic outpatient diseases"),
    "chronic.deductible": ("起付标准", "Deductible"),
    "chronic.deductible_shared_with_general": (
        "与普通门诊合并计算起付标准",
        "Deductible shared with general",
    ),
    "chronic.ratio": ("支付比例", "Ratio"),
    "chronic.cap_first_disease": ("单病种支付限额", "Cap, first disease"),
    "chronic.cap_per_additional_disease": ("每增加一个病种增加", "Cap per additional disease"),
    "chronic.cap_max": ("年度最高支付限额", "Annual cap"),
    "chronic.excluded_during_inpatient_stay": ("住院期间不享受", "None during an inpatient stay"),
    "special": ("门诊特殊病", "Special outpatient diseases"),
    "special.deductible": ("起付标准", "Deductible"),
    "special.ratio_by_level": ("按医疗机构级别支付比例", "Ratio by level"),
    "special.min_level": ("最低医疗机构级别", "Lowest institution level"),
    "special.exempt_diseases": ("单列病种（起付标准、支付比例）", "Exempt diseases"),
    "general_outpatient.inpatient_stay_includes_discharge_day": (
        "出院当日计入住院期间",
        "Discharge day inside the stay",
    ),
    "general_outpatient.pharmacy_rule": ("定点零售药店结算办法", "Pharmacy settlement rule"),
    "general_outpatient.above_cap_ratio": (
        "超过年度限额部分支付比例（住院比例）",
        "Ratio above the annual cap (inpatient ratio)",
    ),
    "general_outpatient.class_b_applies_to": (
        "乙类先行自付适用待遇",
        "Class-B first pay applies to",
    ),
    "general_outpatient.min_level": ("最低医疗机构级别", "Lowest institution level"),
    "later_rule_groups": (
        "待遇另行制定的人员类别（暂不享受的待遇）",
        "Groups whose benefits are left to a later rule",
    ),
    "chronic.exclusions": ("不享受慢性病待遇的情形", "Exclusions"),
    "chronic.priority_over_general": (
        "与普通门诊交叉时优先享受慢性病待遇",
        "Chronic benefits come first",
    ),
    "chronic.max_level": ("最高医疗机构级别", "Highest institution level"),
    "special.exclusions": ("不享受特殊病待遇的情形", "Exclusions"),
    "special.specialist_any_level": (
        "专科医疗机构不限等级",
        "Specialist institutions of any level",
    ),
    "special.annual_cap": ("年度最高支付限额", "Annual cap"),
    "out_of_region": ("异地就医", "Out-of-region care"),
    "out_of_region.manual_reimbursement": (
        "未能联网结算的手工报销",
        "Manual reimbursement where on-line settlement failed",
    ),
    "out_of_region.filing_kinds": (
        "按已备案人员待遇结算的备案类别",
        "Filings settled under the filed rules",
    ),
    "combined_annual_max": (
        "与住院合并计算的统筹基金年度最高支付限额",
        "Annual maximum shared with inpatient care",
    ),
    "combined_annual_max.covers": ("计入的门诊待遇", "Outpatient benefits counted"),
    "family_sharing": ("家庭共济", "Family sharing"),
    "family_sharing.relations": ("可共济的亲属", "Relatives who may share"),
    "family_sharing.min_residual_balance": ("共济支付后最低留存额", "Holder keeps at least"),
    "family_sharing.same_province_only": (
        "仅限本省参保亲属",
        "Relatives insured in the province only",
    ),
    "family_sharing.premiums_same_region_only": (
        "代缴保费仅限本统筹地区参保亲属",
        "Premiums for relatives insured in the region only",
    ),
    "family_sharing.counts_toward_holder_deductible": (
        "共济支付计入持卡人起付标准",
        "Shared payments count toward the holder's deductible",
    ),
    "family_sharing.premium_kinds": ("可代缴的保险费", "Premiums the account may pay"),
    "family_sharing.prohibited_uses": ("不得支付的用途", "Prohibited uses"),
}

WORDS: dict[str, tuple[str, str]] = {
    "employee": ("在职职工", "employees"),
    "retiree": ("退休人员", "retirees"),
    "retiree_before_2001": ("2000年底前退休人员", "retired before 2001"),
    "1": ("一级", "level 1"),
    "2": ("二级", "level 2"),
    "3": ("三级", "level 3"),
    "pharmacy": ("定点零售药店", "pharmacy"),
    "annual": ("按年度累计", "per year"),
    "per_visit": ("按次", "per visit"),
    "monthly": ("每月定额", "fixed monthly"),
    "annual_by_age": ("按年龄段年度定额", "annual by age band"),
    "pension_share": ("按养老金平均水平比例", "share of average pension"),
    "next_month": ("退休次月起", "from the month after retirement"),
    "same_month": ("退休当月起", "from the retirement month"),
    "flexible": ("灵活就业人员", "flexible workers"),
    "single_pooling": ("单建统筹人员", "pooling-only enrolment"),
    "unlimited": ("不设限额", "unlimited"),
    "waiting_period": ("待遇等待期", "waiting period"),
    "inpatient_stay": ("住院期间", "inpatient stay"),
    "chronic_benefits": ("已享受门诊慢特病待遇", "under chronic/special benefits"),
    "arrears": ("欠缴期间", "arrears"),
    "suspended": ("暂停参保", "suspended"),
    "non_designated": ("非定点医疗机构", "non-designated institution"),
    "long_term": ("长期备案", "long-term filing"),
    "temporary": ("临时备案", "temporary filing"),
    "spouse": ("配偶", "spouse"),
    "parent": ("父母", "parent"),
    "child": ("子女", "child"),
    "sibling": ("兄弟姐妹", "sibling"),
    "grandparent": ("祖父母、外祖父母", "grandparent"),
    "grandchild": ("孙子女、外孙子女", "grandchild"),
    "prescribing_level": ("按外配处方开具机构级别", "prescribing institution's level"),
    "pharmacy_ratio": ("按药店支付比例", "the pharmacy ratio"),
    "not_covered": ("不由统筹基金支付", "not paid by the pool"),
    "policy_self_pay": ("政策范围内个人负担部分", "the individual's share"),
    "general_outpatient": ("普通门诊统筹", "general outpatient"),
    "general_above_cap": ("普通门诊超限额部分", "general outpatient above the cap"),
    "chronic": ("门诊慢性病", "chronic"),
    "special": ("门诊特殊病", "special"),
    "resident_insurance": ("城乡居民医保", "residents' insurance"),
    "long_term_care": ("长期护理保险", "long-term care"),
    "serious_illness": ("大额/重特大疾病保险", "serious illness"),
    "supplementary": ("补充医疗保险", "supplementary"),
    "commercial_health": ("商业健康保险", "commercial health insurance"),
    "public_health": ("公共卫生费用", "public health"),
    "fitness": ("体育健身", "fitness"),
    "wellness": ("养生保健", "wellness"),
    "health_check": ("健康体检", "health checks"),
    "ceiling": ("上限取值", "ceiling"),
    "range_lower_bound": ("区间取下限", "range lower bound"),
    "approximate": ("约数", "approximate"),
    "interpretation": ("解释性取值", "interpretation"),
    "fixed": ("确定值", "fixed"),
    True: ("是", "yes"),
    False: ("否", "no"),
}


def _zh() -> bool:
    return (get_language() or "zh-hans").startswith("zh")


def word(key: Any) -> str:
    pair = WORDS.get(key)
    if pair is None:
        return str(key)
    return pair[0] if _zh() else pair[1]


def label(dotted: str) -> str:
    pair = LABELS.get(dotted)
    if pair is not None:
        return pair[0] if _zh() else pair[1]
    parts = dotted.split(".")
    for end in range(len(parts) - 1, 0, -1):
        base = LABELS.get(".".join(parts[:end]))
        if base:
            rest = " · ".join(word(p) for p in parts[end:])
            return f"{base[0] if _zh() else base[1]} · {rest}"
    return dotted


def format_value(dotted: str, value: Any) -> str:
    if value is None:
        return "未设定" if _zh() else "unset"
    if isinstance(value, bool):
        return word(value)
    if isinstance(value, dict) and not value:
        return "—"
    if isinstance(value, list):
        if value and isinstance(value[0], dict):  # age bands
            return "；".join(
                f"{b['min_age']}–{b['max_age'] if b['max_age'] is not None else ''}岁 "
                f"{b['annual']}元/年"
                for b in value
            )
        # The reader's list separator: 、 in Chinese, ", " in English (it read "arrears、…").
        return ("、" if _zh() else ", ").join(word(v) for v in value) if value else "—"
    if isinstance(value, str):
        if value in WORDS:
            return word(value)
        last = dotted.split(".")[-1]
        if "rate" in dotted or "ratio" in dotted or last == "rate":
            try:
                return f"{(Decimal(value) * 100).normalize():f}%"
            except ArithmeticError:
                return value
        try:
            Decimal(value)
            return f"{format_money(value)} 元" if _zh() else f"¥{format_money(value)}"
        except ArithmeticError:
            return value
    return str(value)


def parameter_rows(document: dict) -> list[dict]:
    """One row per leaf parameter: label, formatted value, source article, marking, unset flag.

    Leaves are maps' values down to rate classes and levels; exempt diseases are one row each.
    """
    rows: list[dict] = []

    def visit(node: Any, dotted: str) -> None:
        if isinstance(node, dict) and node:
            if dotted == "special.exempt_diseases":
                for code, rule in node.items():
                    add(
                        f"{dotted}.{code}",
                        f"{code}：起付 {format_money(rule['deductible'])} 元，比例 "
                        f"{(Decimal(rule['ratio']) * 100).normalize():f}%",
                    )
                return
            for key, value in node.items():
                visit(value, f"{dotted}.{key}" if dotted else key)
            return
        add(dotted, format_value(dotted, node), unset=node is None)

    def add(dotted: str, shown: str, unset: bool = False) -> None:
        source = source_for(document, dotted) or {}
        rows.append(
            {
                "path": dotted,
                "section": label(dotted.split(".")[0]),
                "label": label(dotted),
                "value": shown,
                "unset": unset,
                "article": source.get("article", ""),
                "marking": word(source["from"]) if source.get("from") else "",
                "note": source.get("note", ""),
            }
        )

    for section in (
        "account",
        "general_outpatient",
        "chronic",
        "special",
        "out_of_region",
        "combined_annual_max",
        "family_sharing",
    ):
        visit(document.get(section, {}), section)
    return rows


def _kind_of(schema: dict) -> str:
    """A value's kind in words (Chinese first) for the schema page."""
    zh = _zh()
    if "anyOf" in schema:
        return (" 或 " if zh else " or ").join(_kind_of(s) for s in schema["anyOf"])
    if "const" in schema:
        return f"“{schema['const']}”"
    if "enum" in schema:
        # A null among the values means "may be left unset": said in words, as for
        # {"type": [..., "null"]}, never as Python's "None". Each code beside its name.
        values = [v for v in schema["enum"] if v is not None]
        text = ("取值：" if zh else "one of: ") + "、".join(
            str(v) if word(v) == str(v) else f"{v}（{word(v)}）" for v in values
        )
        if len(values) < len(schema["enum"]):
            text += (" 或 " if zh else " or ") + _kind_of({"type": "null"})
        return text
    kind = schema.get("type")
    if isinstance(kind, list):  # {"type": ["boolean", "null"]}: each kind in words
        return (" 或 " if zh else " or ").join(_kind_of({**schema, "type": k}) for k in kind)
    pattern = schema.get("pattern", "")
    if kind == "null":
        return "null（未设定）" if zh else "null (unset)"
    if kind == "string" and "\\.[0-9]{2}$" in pattern:
        return "金额（两位小数字符串，如 “3500.00”）" if zh else "money (“3500.00”)"
    if kind == "string" and pattern.startswith("^(0(\\.[0-9]{1,4})?"):
        return "比例（0–1 的小数字符串，如 “0.80”）" if zh else "rate (“0.80”)"
    if kind == "array":
        return ("列表：" if zh else "list of: ") + _kind_of(schema.get("items", {}))
    if kind == "boolean":
        return "是/否（true/false）" if zh else "true/false"
    if kind == "integer":
        return "整数" if zh else "integer"
    if kind == "object":
        return "对象" if zh else "object"
    return kind or "—"


def schema_rows() -> list[dict]:
    """The policy schema as rows a person can read: parameter path, its name, what it takes,
    whether the document must give it."""
    from .schema import POLICY_DOCUMENT_SCHEMA, RETIREE_METHODS

    rows: list[dict] = []

    def visit(schema: dict, dotted: str, required: bool) -> None:
        props = schema.get("properties")
        if dotted == "account.retiree":
            rows.append(
                {
                    "path": dotted,
                    "label": label(dotted),
                    "kind": "",
                    "required": required,
                    "depth": dotted.count("."),
                }
            )
            for method in RETIREE_METHODS:
                # The last choice is {"method": null}: the document leaves the retirees'
                # crediting unset, written in JSON as null (never Python's None).
                name = method["properties"]["method"].get("const")
                rest = "、".join(
                    f"{k}（{_kind_of(v)}）"
                    for k, v in method["properties"].items()
                    if k != "method"
                )
                rows.append(
                    {
                        "path": f"{dotted}.method = {name or 'null'}",
                        "label": word(name) if name else ("未设定" if _zh() else "unset"),
                        "kind": rest or "—",
                        "required": False,
                        "depth": dotted.count(".") + 1,
                    }
                )
            return
        if props and dotted != "sources":
            if dotted:
                rows.append(
                    {
                        "path": dotted,
                        "label": label(dotted),
                        "kind": "",
                        "required": required,
                        "depth": dotted.count("."),
                    }
                )
            needed = set(schema.get("required", []))
            for key, sub in props.items():
                visit(sub, f"{dotted}.{key}" if dotted else key, key in needed)
            return
        if dotted == "sources":
            rows.append(
                {
                    "path": "sources",
                    "label": "出处（按参数路径）" if _zh() else "sources (by parameter path)",
                    "kind": "article、from（"
                    + "、".join(
                        word(m)
                        for m in (
                            "fixed",
                            "ceiling",
                            "range_lower_bound",
                            "approximate",
                            "interpretation",
                        )
                    )
                    + "）、note、bound {min, max}",
                    "required": required,
                    "depth": 0,
                }
            )
            return
        rows.append(
            {
                "path": dotted,
                "label": label(dotted),
                "kind": _kind_of(schema),
                "required": required,
                "depth": dotted.count("."),
            }
        )

    visit(POLICY_DOCUMENT_SCHEMA, "", True)
    return rows


def interpretations(document: dict) -> list[dict]:
    """Every reading of the text marked ``"from": "interpretation"``, with its note."""
    return [
        {"path": dotted, "label": label(dotted), "article": entry.get("article", ""),
         "note": entry.get("note", "")}
        for dotted, entry in (document.get("sources") or {}).items()
        if entry.get("from") == "interpretation"
    ]  # fmt: skip
