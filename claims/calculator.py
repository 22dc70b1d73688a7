"""The settlement calculator (结算计算): a pure function, no database.

``settle(claim, person, year_to_date, balances, policy) -> Breakdown`` follows DESIGN.md's
settlement steps; every step appends an explanation line citing the policy article. Money is
``Decimal``, every multiplication rounded to 0.01 yuan half up. A needed parameter that the
policy leaves unset raises ``UnsetParameter`` naming it and its article.

Invariant: ``pool_paid + account_paid + family_account_paid + cash_paid == total_amount``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from policies.params import UnsetParameter, lookup, require
from policies.schema import source_for
from staff import codes
from staff.errors import DomainError

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
BENEFITS = ("general_outpatient", "chronic", "special")
# The article that defines each benefit's in-policy costs and ratio (cited on the first line).
RATIO_PATH = {
    "general_outpatient": "general_outpatient.ratio",
    "chronic": "chronic.ratio",
    "special": "special.ratio_by_level",
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def times(amount: Decimal, rate: Decimal) -> Decimal:
    """A multiplication of money, rounded to the cent half up (DESIGN.md step 7)."""
    return money(amount * rate)


@dataclass(frozen=True)
class Policy:
    """The policy in force on the visit date (参保地政策)."""

    document: dict
    source: str  # e.g. 包府办发〔2022〕99号
    region_name: str = ""

    def cite(self, dotted: str) -> str:
        # An effective policy's inherited or filled value names its own document (policies.tree).
        entry = source_for(self.document, dotted) or {}
        return f"{entry.get('document') or self.source} {entry.get('article', '')}".strip()

    def require(self, dotted: str):
        return require(self.document, dotted, region=self.region_name)

    def decimal(self, dotted: str) -> Decimal:
        return Decimal(self.require(dotted))

    def get(self, dotted: str, default=None):
        value = lookup(self.document, dotted, default)
        return default if value is None else value


@dataclass(frozen=True)
class Claim:
    benefit: str
    total_amount: Decimal
    self_pay_amount: Decimal = ZERO
    class_b_amount: Decimal = ZERO
    disease_code: str | None = None
    visit_date: date | None = None
    institution_kind: str = "hospital"  # hospital | pharmacy
    institution_level: str | None = None  # the institution's own level ("1"–"3")
    prescribing_level: str | None = None  # a pharmacy claim's prescribing institution's level
    designated: bool = True
    specialist: bool = False  # a specialist institution (专科医疗机构)
    out_of_region: bool = False  # the institution is outside the person's pooling region
    out_of_region_filed: bool = False
    filing: str = ""  # the registry's filing covering the visit (异地就医备案), described
    # A covering filing of a kind the document does not count as filed (Wuhan 第十七条: only
    # long-term filings), described: the visit is unfiled, and the explanation says why.
    filing_not_counted: str = ""
    flagged_filed: bool = False  # what the claim itself said (the registry decides)
    manual: bool = False  # 手工报销: keyed in by a clerk from the paper invoice
    use_account: bool = True
    for_relative: bool = False  # paid from an account holder's account (家庭共济)


@dataclass(frozen=True)
class Person:
    rate_class: str = "employee"  # employee | retiree | retiree_before_2001
    scheme: str = "employee"  # employee | resident
    status: str = "active"  # active | arrears | suspended
    in_waiting_period: bool = False
    in_inpatient_stay: bool = False  # inside a stay: admitted on or before, discharged after
    on_discharge_day: bool = False  # the visit is on a stay's discharge day (region decides)
    under_chronic_benefits: bool = False
    certified: bool = False  # an approved certification for the claim's disease on the visit date
    certified_chronic_diseases: int = 0  # approved chronic diseases this year (Yuxi's cap)
    # A relative's claim paid from a holder's account while the relative is insured in a region
    # with no policy here (its name): the holder's policy governs the shared payment only.
    insured_elsewhere: str = ""
    rule_group: str = ""  # a group some documents leave to a later rule (later_rule_groups)


@dataclass(frozen=True)
class YearToDate:
    """What this person has already used this year in the claim's bucket."""

    deductible_used: Decimal = ZERO
    pooled: Decimal = ZERO
    # Pooled payments this year counted within the maximum shared with inpatient care
    # (``combined_annual_max``): the covered outpatient buckets plus the reported inpatient total.
    combined_pooled: Decimal = ZERO


@dataclass(frozen=True)
class Balances:
    own_account: Decimal | None = None  # the patient's own account, None when they have none
    holder_account: Decimal | None = None  # the holder's account for a relative's claim
    holder_floor: Decimal = ZERO  # what the holder must keep after a shared payment
    # The holder's region's rules for the shared payment (the floor is the holder's region's,
    # which may differ from the patient's): the explanation line cites them.
    holder_rule: str = ""


@dataclass(frozen=True)
class Line:
    """One step of the explanation. A ``note`` says something about the claim (a filing found,
    a limit the document leaves unset) and moves no money: its amount is 0.00 only because every
    line has one, and pages and the gateway do not show it as a figure (a 0.00 beside "限额未设定"
    would read as a limit of nothing)."""

    step: str
    amount: Decimal
    rule: str
    note: bool = False

    def as_dict(self) -> dict:
        line = {"step": self.step, "amount": f"{self.amount:.2f}", "rule": self.rule}
        if self.note:
            line["note"] = True
        return line


@dataclass
class Breakdown:
    total_amount: Decimal
    self_pay_amount: Decimal
    policy_amount: Decimal = ZERO
    first_pay_amount: Decimal = ZERO
    deductible_applied: Decimal = ZERO
    pool_paid: Decimal = ZERO
    account_paid: Decimal = ZERO
    family_account_paid: Decimal = ZERO
    cash_paid: Decimal = ZERO
    ratio: Decimal | None = None
    cap: Decimal | None = None  # None: unlimited or not applicable
    pool_above_cap: Decimal = ZERO  # part of pool_paid paid above the cap (Yuxi 第九条)
    excluded: str | None = None
    rate_class: str = "employee"
    explanation: list[Line] = field(default_factory=list)

    def line(self, step: str, amount: Decimal, rule: str) -> None:
        self.explanation.append(Line(step, amount, rule))

    def note(self, step: str, rule: str) -> None:
        """A line that moves no money (see ``Line``)."""
        self.explanation.append(Line(step, ZERO, rule, note=True))

    def check(self) -> None:
        payers = self.pool_paid + self.account_paid + self.family_account_paid + self.cash_paid
        if payers != self.total_amount:  # pragma: no cover - a calculator bug, never input
            raise AssertionError(f"payers {payers} != total {self.total_amount}")


class InvalidClaim(DomainError):
    """The claim's figures contradict each other."""


class NotAdmitted(DomainError):
    """The region's document does not admit this claim where it was made (e.g. a special
    disease below the lowest level the document names); the message cites the rule."""

    status_code = 422


def _validate(claim: Claim) -> None:
    for name in ("total_amount", "self_pay_amount", "class_b_amount"):
        value = getattr(claim, name)
        if value < 0:
            raise InvalidClaim(f"{name} cannot be negative.", field=name)
        if value != money(value):
            raise InvalidClaim(f"{name} has more than two decimals.", field=name)
    if claim.self_pay_amount > claim.total_amount:
        raise InvalidClaim("self_pay_amount is larger than total_amount.", field="self_pay_amount")
    if claim.class_b_amount > claim.total_amount - claim.self_pay_amount:
        raise InvalidClaim(
            "class_b_amount is larger than the in-policy amount (total − self pay).",
            field="class_b_amount",
        )
    if claim.benefit not in BENEFITS:
        raise InvalidClaim(f"benefit must be one of {', '.join(BENEFITS)}.", field="benefit")


EXCLUSION_REASONS = {
    "waiting_period": "待遇等待期内",
    "suspended": "暂停参保期间",
    "arrears": "欠缴基本医疗保险费期间",
    "inpatient_stay": "住院期间",
    "chronic_benefits": "已享受门诊慢特病待遇",
}


def _later_rule(person: Person, section: str, policy: Policy) -> None:
    """A group whose benefit the document leaves to a later rule gets no standard value: the
    claim is refused naming the group and the article until the bureau's figures exist (e.g.
    Sichuan 第七条: 单建统筹 at a lower rate, 由各统筹地区自行确定)."""
    groups = policy.get("later_rule_groups") or {}
    if person.rule_group and section in (groups.get(person.rule_group) or []):
        dotted = f"later_rule_groups.{person.rule_group}"
        entry = source_for(policy.document, dotted) or {}
        raise UnsetParameter(
            dotted,
            region=policy.region_name,
            article=entry.get("article", ""),
            note=entry.get("note", ""),
        )


def _exclusions(policy: Policy, section: str) -> set[str]:
    """The exclusions the region's document states for this benefit (``<benefit>.exclusions``);
    nothing is excluded that the document does not name."""
    listed = set(policy.get(f"{section}.exclusions", []) or [])
    if section == "chronic" and policy.get("chronic.excluded_during_inpatient_stay"):
        listed.add("inpatient_stay")  # the older spelling of the same rule (stored versions)
    return listed


def _in_stay(person: Person, policy: Policy) -> bool:
    """Inside an inpatient stay as the region counts its days: the discharge day belongs to the
    stay only where ``general_outpatient.inpatient_stay_includes_discharge_day`` says so."""
    if person.in_inpatient_stay:
        return True
    if person.on_discharge_day:
        return bool(policy.require("general_outpatient.inpatient_stay_includes_discharge_day"))
    return False


def _exclusion(claim: Claim, person: Person, policy: Policy) -> tuple[str, str] | None:
    """Why no pooled payment is made, with the rule cited; None if the pool pays."""
    section = claim.benefit
    exclusions = _exclusions(policy, section)
    cite = policy.cite(f"{section}.exclusions")
    if person.insured_elsewhere:
        return (
            f"参保人在{person.insured_elsewhere}参保，本系统无该地生效政策，统筹基金部分不在此结算；"
            "个人负担部分由家庭共济账户支付",
            policy.cite("family_sharing.relations"),
        )
    if person.scheme != "employee":
        # The region's document is the employees' scheme (its title says so): it is the basis
        # printed on the slip, never an internal note (the slip showed "DESIGN.md scheme: ...").
        return (
            "参保人属城乡居民医保，不享受职工医保门诊统筹待遇",
            f"{policy.source}（适用于职工基本医疗保险参保人）",
        )
    if not claim.designated:
        # Only the documents that confine the benefit to designated institutions say what a
        # non-designated one gets (nothing); a silent document is not guessed: refused.
        if "non_designated" not in exclusions:
            raise NotAdmitted(
                f"{cite} 文件未规定非定点医药机构的费用可否由统筹基金支付"
                f"（{section}.exclusions 未列 non_designated），不予结算",
                field="institution",
                code="non_designated_not_stated",
            )
        return ("非定点医药机构，医保基金不予支付", cite)
    if "waiting_period" in exclusions and person.in_waiting_period:
        return (EXCLUSION_REASONS["waiting_period"], cite)
    if "suspended" in exclusions and person.status == "suspended":
        return (EXCLUSION_REASONS["suspended"], cite)
    if "arrears" in exclusions and person.status == "arrears":
        return (EXCLUSION_REASONS["arrears"], cite)
    if "inpatient_stay" in exclusions and _in_stay(person, policy):
        reason = EXCLUSION_REASONS["inpatient_stay"]
        if not person.in_inpatient_stay:
            reason += (
                "（出院当日计入住院期间，"
                + policy.cite("general_outpatient.inpatient_stay_includes_discharge_day")
                + "）"
            )
        return (reason, cite)
    if (
        section == "general_outpatient"
        and "chronic_benefits" in exclusions
        and person.under_chronic_benefits
    ):
        return (EXCLUSION_REASONS["chronic_benefits"], cite)
    if section in ("chronic", "special") and not person.certified:
        # In the reader's language, the benefit by its label: the clerk's page showed this
        # refusal in English with the code (No approved chronic certification …).
        raise InvalidClaim(
            _(
                "No approved certification for disease %(disease)s (%(benefit)s) on the visit "
                "date: the claim cannot be settled under this benefit."
            )
            % {"disease": claim.disease_code or "—", "benefit": codes.label(section, "benefit")},
            field="disease_code",
            code="not_certified",
        )
    return None


def _level(claim: Claim, policy: Policy) -> tuple[str | None, str]:
    """The level whose ratio applies. A pharmacy claim follows the region's
    ``general_outpatient.pharmacy_rule``: the prescribing institution's level (Yuxi 第二十三条,
    双通道), the region's own pharmacy ratio (Sichuan 第七条), or no pooled payment; unset →
    refused naming the parameter. None means no pooled payment, with the reason."""
    if claim.institution_kind != "pharmacy":
        return claim.institution_level, ""
    rule = policy.require("general_outpatient.pharmacy_rule")
    cite = policy.cite("general_outpatient.pharmacy_rule")
    if rule == "prescribing_level":
        if claim.prescribing_level:
            return claim.prescribing_level, f"{cite} 外配处方按开具处方的定点医疗机构级别结算"
        return (
            None,
            f"{cite} 定点零售药店须持外配处方，按开具处方的定点医疗机构级别结算；无外配处方",
        )
    if rule == "pharmacy_ratio":
        return "pharmacy", f"{cite} 定点零售药店支付比例"
    return None, f"{cite} 定点零售药店不属普通门诊统筹基金支付范围"


def _class(policy: Policy, dotted: str, rate_class: str) -> str:
    """The rate class a by-class parameter uses: retirees before 2001 fall back to retirees
    where the region defines no separate class."""
    if rate_class == "retiree_before_2001" and rate_class not in (policy.get(dotted) or {}):
        return "retiree"
    return rate_class


def _general(
    claim: Claim, person: Person, ytd: YearToDate, policy: Policy, b: Breakdown, eligible: Decimal
) -> None:
    section = "general_outpatient"
    rate_class = _class(policy, f"{section}.ratio", person.rate_class)
    ratios = policy.require(f"{section}.ratio.{rate_class}")
    level, why = _level(claim, policy)
    if level is None:
        b.line("no_pool", ZERO, why)
        b.excluded = why
        return
    if why:
        b.note("level", why)
    if level not in ratios:
        policy.require(f"{section}.ratio.{rate_class}.{level}")
    basis = policy.require(f"{section}.deductible_basis")
    if basis == "per_visit":
        deductible_level = level  # a pharmacy's own figure where the document gives one
        per_visit = policy.decimal(f"{section}.deductible.{deductible_level}")
        applied = min(eligible, per_visit)
        b.line(
            "deductible",
            applied,
            f"{policy.cite(f'{section}.deductible.{deductible_level}')} 按次起付 {per_visit}",
        )
    else:
        deductible_class = _class(policy, f"{section}.deductible", person.rate_class)
        annual = policy.decimal(f"{section}.deductible.{deductible_class}")
        remaining = max(ZERO, annual - ytd.deductible_used)
        applied = min(eligible, remaining)
        b.line(
            "deductible",
            applied,
            f"{policy.cite(f'{section}.deductible.{deductible_class}')} 年度起付 {annual}，"
            f"已用 {ytd.deductible_used}",
        )
    ratio = policy.decimal(f"{section}.ratio.{rate_class}.{level}")
    cap_class = _class(policy, f"{section}.annual_cap", person.rate_class)
    cap_value = policy.require(f"{section}.annual_cap.{cap_class}")
    _pool(
        b,
        eligible,
        applied,
        ratio,
        cap_value,
        ytd,
        policy.cite(f"{section}.ratio.{rate_class}.{level}"),
        policy.cite(f"{section}.annual_cap.{cap_class}"),
    )
    _above_cap(b, eligible - applied, ratio, rate_class, level, ytd, policy)
    _combined(b, section, ytd, policy, b.pool_paid - b.pool_above_cap)


def _above_cap(
    b: Breakdown,
    base: Decimal,
    ratio: Decimal,
    rate_class: str,
    level: str,
    ytd: YearToDate,
    policy: Policy,
) -> None:
    """Yuxi 第九条: in-policy costs above what the annual cap pays for are reimbursed at the
    inpatient ratio of the institution visited (``general_outpatient.above_cap_ratio``). Regions
    whose document has no such rule leave the key out: the excess is the patient's."""
    section = "general_outpatient"
    if b.cap is None or "above_cap_ratio" not in (policy.get(section) or {}):
        return
    room = max(ZERO, b.cap - ytd.pooled)
    if base <= 0 or times(base, ratio) <= room:
        return  # the cap was not crossed by this claim
    covered = money(room / ratio) if ratio > 0 else ZERO  # the costs the capped pool paid for
    excess = max(ZERO, base - covered)
    if excess <= 0:
        return
    above = policy.decimal(f"{section}.above_cap_ratio.{rate_class}.{level}")
    paid = times(excess, above)
    b.line(
        "above_cap",
        paid,
        f"{policy.cite(f'{section}.above_cap_ratio')} 超过年度最高支付限额部分按住院统筹基金"
        f"支付比例：（{base} − {covered}）× {above}",
    )
    b.pool_above_cap = paid
    b.pool_paid += paid
    _combined(b, "general_above_cap", ytd, policy, paid)


def _combined(
    b: Breakdown,
    bucket: str,
    ytd: YearToDate,
    policy: Policy,
    part: Decimal,
) -> None:
    """Keep ``part`` (this claim's pooled payment counted in ``bucket``) within the maximum the
    region's document shares with inpatient care, when the document covers that bucket. While
    the figure is unset the claim is settled and the explanation says so."""
    combined = policy.get("combined_annual_max")
    if not combined or bucket not in (combined.get("covers") or []) or part <= 0:
        return
    cite = policy.cite("combined_annual_max")
    rate_class = b.rate_class
    rate_class = rate_class if rate_class in combined else "retiree"
    value = combined.get(rate_class)
    if value is None:
        b.note(
            "combined_max",
            f"{cite} 计入与住院合并计算的统筹基金年度最高支付限额：文件未给出数额，限额未设定",
        )
        return
    if value == "unlimited":
        return
    maximum = Decimal(value)
    room = max(ZERO, maximum - ytd.combined_pooled)
    if part > room:
        b.line(
            "combined_max",
            room,
            f"{cite} 与住院合并计算的年度最高支付限额 {maximum}，已支付（含住院）"
            f"{ytd.combined_pooled}",
        )
        b.pool_paid -= part - room
        if bucket == "general_above_cap":
            b.pool_above_cap = room


def _chronic(
    claim: Claim, person: Person, ytd: YearToDate, policy: Policy, b: Breakdown, eligible: Decimal
) -> None:
    if policy.get("chronic.deductible_shared_with_general"):
        # Jilin 二（三）: one deductible for general outpatient and chronic diseases; the
        # year-to-date figure passed in is the shared bucket's.
        rate_class = person.rate_class if person.rate_class != "retiree_before_2001" else "retiree"
        annual = policy.decimal(f"general_outpatient.deductible.{rate_class}")
        rule = policy.cite("chronic.deductible_shared_with_general") + " 与普通门诊合并计算起付"
    else:
        annual = policy.decimal("chronic.deductible")
        rule = policy.cite("chronic.deductible")
    level = (
        claim.prescribing_level if claim.institution_kind == "pharmacy" else claim.institution_level
    )
    _admitted(claim, policy, "chronic", level)
    applied = min(eligible, max(ZERO, annual - ytd.deductible_used))
    b.line("deductible", applied, f"{rule} 年度起付 {annual}，已用 {ytd.deductible_used}")
    ratio = policy.decimal("chronic.ratio")
    first = policy.get("chronic.cap_first_disease")
    cap_max = policy.require("chronic.cap_max")
    if first is not None and first != "unlimited":
        diseases = max(1, person.certified_chronic_diseases)
        # Each further disease adds the document's increment (Yuxi 第十条); unset is not 0.
        extra = policy.decimal("chronic.cap_per_additional_disease") if diseases > 1 else ZERO
        grown = Decimal(first) + extra * (diseases - 1)
        cap_value = str(grown if cap_max == "unlimited" else min(grown, Decimal(cap_max)))
    else:
        cap_value = cap_max
    _pool(
        b,
        eligible,
        applied,
        ratio,
        cap_value,
        ytd,
        policy.cite("chronic.ratio"),
        policy.cite("chronic.cap_max"),
    )
    _combined(b, "chronic", ytd, policy, b.pool_paid)


def _special(
    claim: Claim, person: Person, ytd: YearToDate, policy: Policy, b: Breakdown, eligible: Decimal
) -> None:
    exempt = (policy.get("special.exempt_diseases") or {}).get(
        (claim.disease_code or "").split(".")[0]
    )
    level = (
        claim.prescribing_level if claim.institution_kind == "pharmacy" else claim.institution_level
    )
    _admitted(claim, policy, "special", level)
    if exempt:
        annual, ratio = Decimal(exempt["deductible"]), Decimal(exempt["ratio"])
        rule = policy.cite("special.exempt_diseases") + f" {claim.disease_code} 单列"
    else:
        annual = policy.decimal("special.deductible")
        ratio = policy.decimal(f"special.ratio_by_level.{level}")
        rule = policy.cite("special.deductible")
    applied = min(eligible, max(ZERO, annual - ytd.deductible_used))
    b.line("deductible", applied, f"{rule} 起付 {annual}，已用 {ytd.deductible_used}")
    combined = policy.get("combined_annual_max") or {}
    if "special" in (combined.get("covers") or []) and "annual_cap" not in (
        policy.get("special") or {}
    ):
        cap_value, cap_rule = "unlimited", ""  # the only maximum is the combined one
    else:
        cap_value, cap_rule = (
            policy.require("special.annual_cap"),
            policy.cite("special.annual_cap"),
        )
    _pool(b, eligible, applied, ratio, cap_value, ytd, rule, cap_rule)
    _combined(b, "special", ytd, policy, b.pool_paid)


def _admitted(claim: Claim, policy: Policy, section: str, level: str | None) -> None:
    """The levels of institution a region's document admits for a benefit (``min_level`` /
    ``max_level``); a claim outside them is refused naming the rule, not settled at 0.
    ``special.specialist_any_level``: specialist institutions of any level (Jilin 一)."""
    if claim.specialist and policy.get(f"{section}.specialist_any_level"):
        return
    low, high = policy.get(f"{section}.min_level"), policy.get(f"{section}.max_level")
    name = {"special": "门诊特殊病", "chronic": "门诊慢性病"}[section]
    if low and (level is None or level == "pharmacy" or level < low):
        raise NotAdmitted(
            f"{policy.cite(f'{section}.min_level')} {name}须在{low}级及以上定点医疗机构就诊"
            f"（{section}.min_level）",
            field="institution",
            code="level_not_admitted",
        )
    if high and level not in (None, "pharmacy") and level > high:
        raise NotAdmitted(
            f"{policy.cite(f'{section}.max_level')} {name}在{high}级及以下定点医疗机构开展"
            f"（{section}.max_level）",
            field="institution",
            code="level_not_admitted",
        )


def _pool(
    b: Breakdown,
    eligible: Decimal,
    applied: Decimal,
    ratio: Decimal,
    cap_value: str,
    ytd: YearToDate,
    ratio_rule: str,
    cap_rule: str,
) -> None:
    b.deductible_applied = applied
    b.ratio = ratio
    pool = times(eligible - applied, ratio)
    b.line("ratio", pool, f"{ratio_rule} （{eligible} − {applied}）× {ratio}")
    if cap_value != "unlimited":
        cap = Decimal(cap_value)
        b.cap = cap
        room = max(ZERO, cap - ytd.pooled)
        if pool > room:
            b.line("cap", room, f"{cap_rule} 年度最高支付限额 {cap}，已支付 {ytd.pooled}")
            pool = room
    b.pool_paid = pool


MANUAL_PATH = "out_of_region.manual_reimbursement"
FILING_PATH = "general_outpatient.unfiled_out_of_region_first_pay_rate"
KINDS_PATH = "out_of_region.filing_kinds"


def _out_of_region_lines(claim: Claim, policy: Policy, b: Breakdown) -> None:
    """The out-of-region filing the registry found (the claim's own flag does not decide), and
    a manual reimbursement (手工报销) where the document provides one for claims that could not
    be settled on-line (a parameter with its article, e.g. Yuxi 第二十一条)."""
    if not claim.out_of_region:
        return
    if claim.out_of_region_filed:
        note = "" if claim.flagged_filed else "（结算请求未标明已备案，以备案登记为准）"
        b.note(
            "out_of_region_filed",
            f"{policy.cite(FILING_PATH)} 异地就医备案：{claim.filing}，"
            f"按已备案人员待遇结算（同级别同比例，计入年度支付限额）{note}",
        )
    elif claim.filing_not_counted:
        b.note(
            "out_of_region_filing_not_counted",
            f"{policy.cite(KINDS_PATH)} 异地就医备案：{claim.filing_not_counted}，"
            "不属文件所列备案情形，按未备案异地就医结算",
        )
    if claim.manual and policy.get(MANUAL_PATH):
        b.note(
            "manual_reimbursement",
            f"{policy.cite(MANUAL_PATH)} 手工报销：就医时未能联网结算，凭医保凭证、医疗费用发票、"
            "病历等材料在参保地医保经办机构办理结算",
        )


def settle(
    claim: Claim, person: Person, ytd: YearToDate, balances: Balances, policy: Policy
) -> Breakdown:
    _validate(claim)
    b = Breakdown(total_amount=claim.total_amount, self_pay_amount=claim.self_pay_amount)
    b.policy_amount = claim.total_amount - claim.self_pay_amount
    b.line(
        "policy_amount",
        b.policy_amount,
        f"{policy.cite(RATIO_PATH[claim.benefit] + '.' + person.rate_class)} "
        "政策范围内费用 = 总费用 − 全自费",
    )

    section = (
        "chronic"
        if claim.benefit == "chronic"
        else ("special" if claim.benefit == "special" else "general_outpatient")
    )
    b.rate_class = person.rate_class
    _later_rule(person, section, policy)
    _out_of_region_lines(claim, policy, b)
    first = ZERO
    # 乙类先行自付 and the unfiled out-of-region first pay are general-outpatient rules (Wuhan
    # 第十五条, 第十七条); ``class_b_applies_to`` names every benefit a document applies it to.
    # A document that does not say which benefits it applies to is not read as "general
    # outpatient": refused naming the parameter when there is class-B spending to pay first.
    if person.insured_elsewhere:
        applies, section_first = [], ""  # no pooled part here: nothing to pay first for
    else:
        section_first = section
        applies = (
            policy.require("general_outpatient.class_b_applies_to")
            if claim.class_b_amount > 0
            else []
        )
    if claim.class_b_amount > 0 and section in applies:
        rate = policy.decimal("general_outpatient.class_b_first_pay_rate")
        first = times(claim.class_b_amount, rate)
        b.line(
            "class_b_first_pay",
            first,
            f"{policy.cite('general_outpatient.class_b_first_pay_rate')} 乙类先行自付 "
            f"{claim.class_b_amount} × {rate}",
        )
    if (
        section_first == "general_outpatient"
        and claim.out_of_region
        and not claim.out_of_region_filed
    ):
        rate = policy.decimal("general_outpatient.unfiled_out_of_region_first_pay_rate")
        extra = times(b.policy_amount - first, rate)
        b.line(
            "out_of_region_first_pay",
            extra,
            f"{policy.cite('general_outpatient.unfiled_out_of_region_first_pay_rate')} "
            f"未备案异地就医先行自付 {b.policy_amount - first} × {rate}",
        )
        first += extra
    b.first_pay_amount = first
    eligible = b.policy_amount - first

    excluded = _exclusion(claim, person, policy)
    if excluded:
        b.excluded = excluded[0]
        b.line("excluded", ZERO, f"{excluded[1]} {excluded[0]}，统筹基金不予支付".strip())
    elif section == "general_outpatient":
        _general(claim, person, ytd, policy, b, eligible)
    elif section == "chronic":
        _chronic(claim, person, ytd, policy, b, eligible)
    else:
        _special(claim, person, ytd, policy, b, eligible)

    individual = claim.total_amount - b.pool_paid
    if claim.for_relative:
        available = max(ZERO, (balances.holder_account or ZERO) - balances.holder_floor)
        b.family_account_paid = min(individual, available) if claim.use_account else ZERO
        if b.family_account_paid:
            b.line(
                "family_account",
                b.family_account_paid,
                balances.holder_rule
                or f"{policy.cite('family_sharing.min_residual_balance')} 家庭共济账户支付"
                f"（持卡人须保留 {balances.holder_floor}）",
            )
    elif claim.use_account and balances.own_account is not None:
        b.account_paid = min(individual, max(ZERO, balances.own_account))
        if b.account_paid:
            b.line(
                "account", b.account_paid, f"{policy.cite('account.pays')} 个人账户支付个人负担部分"
            )
    b.cash_paid = individual - b.account_paid - b.family_account_paid
    b.line("cash", b.cash_paid, f"{policy.cite('account.pays')} 个人负担部分其余现金支付")
    b.check()
    return b


__all__ = [
    "Balances", "Breakdown", "Claim", "InvalidClaim", "Line", "NotAdmitted", "Person", "Policy",
    "UnsetParameter",
    "YearToDate", "settle",
]  # fmt: skip
