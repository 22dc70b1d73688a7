"""The regions' family-sharing rules read from the holder's policy (pure: no database).

Every refusal carries the article it comes from, so a clerk or an institution sees why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from policies.params import lookup, require
from policies.schema import source_for
from staff.errors import DomainError

from .models import PREMIUM_KINDS

RELATION_LABELS = {
    "spouse": "配偶",
    "parent": "父母",
    "child": "子女",
    "sibling": "兄弟姐妹",
    "grandparent": "祖父母、外祖父母",
    "grandchild": "孙子女、外孙子女",
}
USE_LABELS = {
    "public_health": "公共卫生费用",
    "fitness": "体育健身",
    "wellness": "养生保健消费",
    "health_check": "健康体检",
}


@dataclass(frozen=True)
class SharingPolicy:
    """The family-sharing section of the holder's policy in force, with its citations."""

    document: dict
    source: str  # e.g. 藏政办发〔2021〕号
    region_name: str

    def cite(self, dotted: str) -> str:
        entry = source_for(self.document, f"family_sharing.{dotted}") or {}
        return f"{entry.get('document') or self.source} {entry.get('article', '')}".strip()

    def require(self, dotted: str):
        return require(self.document, f"family_sharing.{dotted}", region=self.region_name)

    def get(self, dotted: str, default=None):
        value = lookup(self.document, f"family_sharing.{dotted}")
        return default if value is None else value

    def floor(self) -> Decimal:
        """What the holder must keep after a shared payment (Tibet 3000.00)."""
        return Decimal(self.require("min_residual_balance"))


def check_relation(policy: SharingPolicy, relation: str) -> None:
    relations = policy.require("relations")
    if relation not in relations:
        raise DomainError(
            _("%(region)s allows sharing only with %(allowed)s (%(cite)s).")
            % {
                "region": policy.region_name,
                "allowed": "、".join(RELATION_LABELS.get(r, r) for r in relations),
                "cite": policy.cite("relations"),
            },
            field="relation",
        )


def check_province(
    policy: SharingPolicy, holder_region: str, member_region: str, member_region_name: str = ""
) -> None:
    """Yuxi: relatives must be insured in Yunnan (the region code's first two digits). Read with
    ``require``: a document that leaves it unset is not taken to allow any province. The
    refusal names the relative's region with its code (it said 参保地为 420100, a bare code)."""
    if policy.require("same_province_only") and holder_region[:2] != member_region[:2]:
        raise DomainError(
            _(
                "%(region)s shares only with relatives insured in the same province "
                "(region code %(prefix)s…); this relative is insured in %(member)s (%(cite)s)."
            )
            % {
                "region": policy.region_name,
                "prefix": holder_region[:2],
                "member": f"{member_region_name}（{member_region}）"
                if member_region_name
                else member_region,
                "cite": policy.cite("same_province_only"),
            },
            field="member",
        )


def check_premium_kind(policy: SharingPolicy, kind: str) -> None:
    """Premiums the policy names are allowed; the uses it forbids are refused by kind."""
    prohibited = policy.get("prohibited_uses", [])
    if kind in prohibited:
        raise DomainError(
            _("%(region)s forbids paying %(use)s from a personal account (%(cite)s).")
            % {
                "region": policy.region_name,
                "use": USE_LABELS.get(kind, kind),
                "cite": policy.cite("prohibited_uses"),
            },
            field="kind",
        )
    if kind not in PREMIUM_KINDS:
        raise DomainError(
            _("Unknown premium kind “%(kind)s”; use one of %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(PREMIUM_KINDS)},
            field="kind",
        )
    allowed = policy.require("premium_kinds")
    if kind not in allowed:
        raise DomainError(
            _("%(region)s does not allow paying this premium from a personal account (%(cite)s).")
            % {"region": policy.region_name, "cite": policy.cite("premium_kinds")},
            field="kind",
        )


def check_premium_region(policy: SharingPolicy, holder_region, member_region) -> None:
    """Wuhan 第八条（三）: 参加我市城乡居民基本医疗保险…等个人缴费 — the relative must be insured in
    the holder's region (or a region under it) for the account to pay the premium."""
    from policies.selectors import region_chain

    if not policy.require("premiums_same_region_only"):
        return
    if holder_region.pk in {r.pk for r in region_chain(region=member_region)}:
        return
    raise DomainError(
        _(
            "%(region)s pays premiums only for relatives insured in %(region)s (%(cite)s); "
            "this relative is insured in %(member)s."
        )
        % {
            "region": policy.region_name,
            "cite": policy.cite("premiums_same_region_only"),
            "member": member_region.name,
        },
        field="authorisation",
    )


def check_holder_deductible(policy: SharingPolicy) -> None:
    """A relative's claim counts in the relative's own accumulators only: what the holder's
    account pays never counts toward the holder's deductible (Baotou 第五条: 家庭成员共济使用部分
    基金不得抵顶年度内持卡人门诊统筹起付标准). The parameter is read, not assumed: unset, or a
    document that counts it, is refused naming it (the settlement has no such counting)."""
    if policy.require("counts_toward_holder_deductible"):
        cite = policy.cite("counts_toward_holder_deductible")
        raise DomainError(
            _(
                "%(region)s counts shared payments toward the holder's deductible "
                "(family_sharing.counts_toward_holder_deductible, %(cite)s); this system does "
                "not, so the claim cannot be paid from the holder's account."
            )
            % {"region": policy.region_name, "cite": cite},
            field="account_holder",
        )
