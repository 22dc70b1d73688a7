"""The settlement service (结算): gather facts, lock rows, call the pure calculator, write.

Locks are always taken in one order — the patient's accumulators (by primary key), then the
family-sharing authorisation (shared, for a relative's claim), then the personal account (the
patient's, or the holder's for a relative's claim) — so concurrent settlements, reversals and
premium payments never wait on each other in a cycle; a deadlock or serialization failure that
still happens (e.g. against another kind of writer) is retried inside the service.

A claim number is unique per institution: the same request again returns the original
settlement, a different request with that number is a conflict.

The hot path is hand-written SQL (``staff.sql``): one read for every fact (earlier settlement,
policy versions, certifications, inpatient stays, accumulator rows, authorisation), then in one
transaction one batch of locks and one batch of writes (the settlement, the accumulators and,
when an account pays, the ledger entry and the balance). Outside a caller's transaction BEGIN
rides on the locks and COMMIT on the writes (``sql.fused_transaction``): three round trips, all
prepared statements, against pgbench TPC-B's seven. Policy documents are immutable (a trigger
refuses edits), so they are cached by version.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import LedgerEntry, PersonalAccount
from enrollment.models import (
    InpatientStay,
    Institution,
    OutOfRegionFiling,
    Person,
    filing_covers_place,
)
from family_sharing.models import SharingAuthorisation
from family_sharing.rules import SharingPolicy, check_holder_deductible
from policies.models import PolicyVersion, Region
from policies.retirement import retiree_on
from policies.selectors import layers_of
from policies.tree import effective
from staff import audit, sql
from staff.errors import Conflict, DomainError

from . import calculator
from .models import Accumulator, ChronicCertification, Disease, InpatientTotal, Settlement

RETRIES = 5
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ClaimRequest:
    claim_number: str
    person: Person
    institution: Institution
    visit_date: date
    benefit: str
    total_amount: Decimal
    self_pay_amount: Decimal = Decimal("0.00")
    class_b_amount: Decimal = Decimal("0.00")
    disease_code: str = ""
    # What the claim says of an out-of-region filing: None when it does not say (the registry
    # decides); sent, it must agree with the registry (DESIGN.md "Out-of-region filings").
    out_of_region_filed: bool | None = None
    prescribing_institution: Institution | None = None
    use_account: bool = True
    account_holder: Person | None = None
    # "online" (the API, the HIS gateway) or "manual": 手工报销 keyed in by a clerk from the
    # paper invoice, e.g. a claim that could not be settled on-line (Yuxi 第二十一条).
    channel: str = "online"

    def fingerprint(self) -> str:
        body = {
            "claim_number": self.claim_number,
            "person": self.person.pk,
            "institution": self.institution.pk,
            "visit_date": self.visit_date.isoformat(),
            "benefit": self.benefit,
            "total_amount": f"{self.total_amount:.2f}",
            "self_pay_amount": f"{self.self_pay_amount:.2f}",
            "class_b_amount": f"{self.class_b_amount:.2f}",
            "disease_code": (self.disease_code or "").upper(),
            # Not sent and false hash alike (both settle only as the registry says).
            "out_of_region_filed": self.out_of_region_filed is True,
            "prescribing_institution": getattr(self.prescribing_institution, "pk", None),
            "use_account": self.use_account,
            "account_holder": getattr(self.account_holder, "pk", None),
        }
        if self.channel != "online":  # absent for on-line claims: their hashes stay as they were
            body["channel"] = self.channel
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


# --- Policies, cached by version ----------------------------------------------------------------

_POLICIES: dict[tuple, tuple[calculator.Policy, int]] = {}

# A fact row of a version in the patient's region chain: (id, "depth|kind|created_at"), depth 0
# being the patient's own region. The set of those rows is the cache key: the effective
# document of a chain of immutable versions never changes, and the creation time in the key
# keeps a reused id (a rolled-back test database) from returning another document.
VersionRow = tuple[str, str]


def _policy(rows: tuple[VersionRow, ...]) -> tuple[calculator.Policy, int]:
    """The calculator's policy for a region chain's versions in force (DESIGN.md "Regions form
    a tree"), and the id of the most specific version (recorded on the settlement)."""
    key = tuple(sorted(rows))
    cached = _POLICIES.get(key)
    if cached is None:
        depth = {int(i): int(meta.split("|", 1)[0]) for i, meta in key}
        versions = list(PolicyVersion.objects.select_related("region").filter(pk__in=depth))
        ranks = {v.pk: -depth[v.pk] for v in versions}  # root first
        layers = layers_of(versions, {v.region_id: ranks[v.pk] for v in versions})
        bases = [v for v in versions if v.kind == "version"]
        deepest = min(bases, key=lambda v: depth[v.pk])
        result = effective(layers)
        policy = calculator.Policy(result.document, deepest.citation_source, deepest.region.name)
        cached = _POLICIES[key] = (policy, deepest.pk)
    return cached


def _has_version(rows: list[VersionRow]) -> bool:
    # meta is "depth|kind|created" (no "|" in a depth or a timestamp): the kind is "version".
    return any("|version|" in meta for _id, meta in rows)


def _frozen(cls, values: dict):
    """An instance of the frozen dataclass ``cls`` with every field in ``values``, without its
    generated ``__init__``, which sets each field through ``object.__setattr__`` (about 6 µs
    for ``calculator.Claim``'s 18 fields, per claim: a replay builds a million). The instance
    is the one the constructor makes (``tests/claims`` compares them); none of these classes
    has a ``__post_init__``."""
    instance = object.__new__(cls)
    instance.__dict__.update(values)
    return instance


# --- Facts: one read ----------------------------------------------------------------------------


@dataclass
class _Facts:
    settled: tuple[int, str] | None = None  # an earlier settlement of this claim number
    versions: list[VersionRow] = field(default_factory=list)  # the patient's chain in force
    holder_versions: list[VersionRow] = field(default_factory=list)
    certified: list[tuple[str, str]] = field(default_factory=list)  # (disease code, kind)
    in_stay: bool = False  # inside a stay (the discharge day excluded)
    discharge_day: bool = False  # the visit is a stay's discharge day
    inpatient_pooled: Decimal = ZERO  # the reported inpatient pooled total of the visit's year
    place: str = ""  # the institution's region code, read only when it is not the person's
    # (region code, "kind|region name") of the filings in force on the day
    filings: list[tuple[str, str]] = field(default_factory=list)
    authorisation_id: int | None = None
    buckets: set[str] = field(default_factory=set)  # accumulator rows the person has this year
    # Read for a preview only (nothing locked): {bucket: [id, deductible_used, pooled]} of the
    # year, and {person id: (account id, balance)} of the patient and the holder.
    accumulators: dict[str, list] = field(default_factory=dict)
    accounts: dict[int, tuple[int, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Tables:
    settlement: str = Settlement._meta.db_table
    version: str = PolicyVersion._meta.db_table
    region: str = Region._meta.db_table
    certification: str = ChronicCertification._meta.db_table
    disease: str = Disease._meta.db_table
    stay: str = InpatientStay._meta.db_table
    authorisation: str = SharingAuthorisation._meta.db_table
    accumulator: str = Accumulator._meta.db_table
    account: str = PersonalAccount._meta.db_table
    inpatient: str = InpatientTotal._meta.db_table
    filing: str = OutOfRegionFiling._meta.db_table


T = _Tables()

SummaryWriter = Callable[[Settlement, int, int], list[tuple[str, list]]]
_summary_writers: list[SummaryWriter] = []


def register_summary_writer(writer: SummaryWriter) -> None:
    """Apps above claims (the dashboards) keep read models of settlements: ``writer(settlement,
    region_id, sign)`` returns statements that run in the settlement's (sign +1) or the
    reversal's (sign −1) transaction, after every lock of the service, in its write batch."""
    if writer not in _summary_writers:
        _summary_writers.append(writer)


def _summaries(settlement: Settlement, region_id: int, sign: int) -> list[tuple[str, list]]:
    return [s for writer in _summary_writers for s in writer(settlement, region_id, sign)]


def level_of(institution: Institution) -> str:
    """The level a claim is reported under: a pharmacy's own kind, else the hospital's grade."""
    return "pharmacy" if institution.kind == "pharmacy" else (institution.level or "")


# The versions in force of the region and its ancestors, with their depth (0: the region
# itself). The recursive walk up the tree sits in a subquery so that the statement still starts
# with SELECT and is prepared like the other hot statements (``staff.sql``).
_CHAIN_VERSIONS = (
    "SELECT '{tag}', CAST(v.id AS TEXT),"
    " CAST(c.depth AS TEXT) || '|' || v.kind || '|' || CAST(v.created_at AS TEXT)"
    " FROM {version} v JOIN (WITH RECURSIVE chain(id, depth) AS ("
    "SELECT id, 0 FROM {region} WHERE id = %s"
    " UNION ALL SELECT r.parent_id, up.depth + 1 FROM {region} r JOIN chain up ON r.id = up.id"
    " WHERE r.parent_id IS NOT NULL AND up.depth < 16) SELECT id, depth FROM chain) c"
    " ON v.region_id = c.id"
    " WHERE v.effective_from <= %s AND (v.effective_to IS NULL OR v.effective_to >= %s)"
)


def _read(request: ClaimRequest, preview: bool = False) -> _Facts:
    """Every fact the calculator needs, in one round trip (typed rows of a UNION ALL); for a
    preview also the year's accumulator figures and the accounts (read under locks otherwise)."""
    visit, person = request.visit_date, request.person
    holder = request.account_holder
    parts = [
        f"SELECT 'settled', CAST(id AS TEXT), request_hash FROM {T.settlement}"
        " WHERE institution_id = %s AND claim_number = %s",
        _CHAIN_VERSIONS.format(tag="version", version=T.version, region=T.region),
        f"SELECT 'certified', d.code, d.kind FROM {T.certification} c"
        f" JOIN {T.disease} d ON d.id = c.disease_id"
        " WHERE c.person_id = %s AND c.status = 'approved' AND c.valid_from <= %s"
        " AND (c.valid_to IS NULL OR c.valid_to >= %s)",
        f"SELECT 'in_stay', CAST(id AS TEXT), CAST(discharged_on AS TEXT) FROM {T.stay}"
        " WHERE person_id = %s AND admitted_on <= %s"
        " AND (discharged_on IS NULL OR discharged_on >= %s)",
    ]
    if preview:
        parts.append(
            f"SELECT 'bucket', bucket, CAST(id AS TEXT) || '|' || CAST(deductible_used AS TEXT)"
            f" || '|' || CAST(pooled AS TEXT) FROM {T.accumulator}"
            " WHERE person_id = %s AND year = %s"
        )
    else:
        parts.append(
            f"SELECT 'bucket', bucket, NULL FROM {T.accumulator} WHERE person_id = %s AND year = %s"
        )
    parts.append(
        f"SELECT 'inpatient', CAST(pooled AS TEXT), NULL FROM {T.inpatient}"
        " WHERE person_id = %s AND year = %s"
    )
    params: list = [request.institution.pk, request.claim_number]
    params += [person.region_id, visit, visit, person.pk, visit, visit, person.pk, visit, visit]
    params += [person.pk, visit.year, person.pk, visit.year]
    if request.institution.region_id != person.region_id:
        parts += [
            f"SELECT 'place', code, NULL FROM {T.region} WHERE id = %s",
            f"SELECT 'filing', r.code, f.kind || '|' || r.name FROM {T.filing} f"
            f" JOIN {T.region} r ON r.id = f.region_id WHERE f.person_id = %s"
            " AND f.valid_from <= %s AND (f.valid_to IS NULL OR f.valid_to >= %s)",
        ]
        params += [request.institution.region_id, person.pk, visit, visit]
    if holder is not None:
        parts += [
            _CHAIN_VERSIONS.format(tag="holder_version", version=T.version, region=T.region),
            f"SELECT 'authorisation', CAST(id AS TEXT), NULL FROM {T.authorisation}"
            " WHERE holder_id = %s AND member_id = %s AND status = 'active'"
            " AND valid_from <= %s AND (valid_to IS NULL OR valid_to >= %s)",
        ]
        params += [holder.region_id, visit, visit, holder.pk, person.pk, visit, visit]
    if preview:
        owners = [person.pk] if holder is None else [person.pk, holder.pk]
        parts.append(
            f"SELECT 'account', CAST(person_id AS TEXT), CAST(id AS TEXT) || '|'"
            f" || CAST(balance AS TEXT) FROM {T.account}"
            f" WHERE person_id IN ({sql.placeholders(len(owners))})"
        )
        params += owners
    facts = _Facts()
    for tag, a, b in sql.rows(" UNION ALL ".join(parts), params):
        if tag == "settled":
            facts.settled = (int(a), b)
        elif tag == "version":
            facts.versions.append((a, b))
        elif tag == "holder_version":
            facts.holder_versions.append((a, b))
        elif tag == "certified":
            facts.certified.append((a, b))
        elif tag == "in_stay":
            if b is not None and str(b)[:10] == visit.isoformat():
                facts.discharge_day = True
            else:
                facts.in_stay = True
        elif tag == "inpatient":
            facts.inpatient_pooled = sql.money(a)
        elif tag == "place":
            facts.place = a
        elif tag == "filing":
            facts.filings.append((a, b))
        elif tag == "bucket":
            facts.buckets.add(a)
            if b is not None:
                pk, deductible, pooled = b.split("|")
                facts.accumulators[a] = [int(pk), sql.money(deductible), sql.money(pooled)]
        elif tag == "account":
            pk, balance = b.split("|")
            known = facts.accounts.get(int(a))
            if known is None or int(pk) < known[0]:  # the first account, as ORDER BY id
                facts.accounts[int(a)] = (int(pk), sql.money(balance))
        else:
            facts.authorisation_id = int(a)
    return facts


def _rate_class(person: Person, visit: date, document: dict, region: str = "") -> str:
    """Retiree rules from the day the region's document says (``policies.retirement``: the same
    rule crediting uses, e.g. Wuhan 第七条 from the month after retirement)."""
    if person.category != "retiree" or not retiree_on(
        visit, person.retirement_date, document, region=region
    ):
        return "employee"
    classes = (document.get("general_outpatient") or {}).get("ratio") or {}
    if "retiree_before_2001" in classes and person.retirement_date <= date(2000, 12, 31):
        return "retiree_before_2001"
    return "retiree"


def _person(
    request: ClaimRequest, facts: _Facts, document: dict, region_name: str = ""
) -> calculator.Person:
    person, visit = request.person, request.visit_date
    certified = facts.certified
    if certified:
        code = (request.disease_code or "").upper()
        benefit = request.benefit
        holds = any(c == code and k == benefit for c, k in certified)
        chronic = sum(1 for _c, k in certified if k == "chronic")
    else:
        holds, chronic = False, 0
    return _frozen(
        calculator.Person,
        {
            "rate_class": _rate_class(person, visit, document, region_name),
            "scheme": person.scheme,
            "status": person.status,
            "in_waiting_period": bool(person.benefits_from and visit < person.benefits_from),
            "in_inpatient_stay": facts.in_stay,
            "on_discharge_day": facts.discharge_day,
            "under_chronic_benefits": bool(certified),
            "certified": holds,
            "certified_chronic_diseases": chronic,
            "insured_elsewhere": "",
            "rule_group": person.rule_group,
        },
    )


FILING_KINDS = {"long_term": "长期备案", "temporary": "临时备案"}


def _counted_kinds(policy: calculator.Policy) -> set[str] | None:
    """The filing kinds the region's document counts as filed (``out_of_region.filing_kinds``,
    e.g. Wuhan 第十七条: long-term only); None where the document names none (every kind
    counts). A key present but unset is refused naming the parameter."""
    if "filing_kinds" not in (policy.get("out_of_region") or {}):
        return None
    return set(policy.require("out_of_region.filing_kinds"))


def _filed(request: ClaimRequest, facts: _Facts, policy: calculator.Policy) -> tuple[str, str]:
    """The registry decides whether this out-of-region visit is filed (DESIGN.md "Out-of-region
    filings"): a filing covering the visit date and the institution's region (a long-term
    filing covers only the place filed, Wuhan 第十七条; a temporary one its period) and of a
    kind the region's document counts (``out_of_region.filing_kinds``). Returns the counted
    filing's description ("" = not filed) and, when not filed, the description of a covering
    filing the document does not count ("" if none). A claim that does not say is settled as the
    registry says; one that says must agree with it, else it is refused naming the field:
    ``true`` without a counted filing, or ``false`` where a counted filing covers the visit."""
    out = request.institution.region_id != request.person.region_id
    if not out and not request.out_of_region_filed:
        return "", ""  # in the person's own region, and the claim does not say it is filed
    covering = [
        (code, *meta.split("|", 1))
        for code, meta in (facts.filings if out else [])
        if filing_covers_place(meta.split("|", 1)[0], code, facts.place)
    ]
    kinds = _counted_kinds(policy) if covering else None
    uncounted = [c for c in covering if kinds is not None and c[1] not in kinds]
    covering = [c for c in covering if c not in uncounted]
    if request.out_of_region_filed and not covering and uncounted:
        _code, kind, name = uncounted[0]
        raise DomainError(
            _(
                "out_of_region_filed: the filing registry has %(filing)s covering %(date)s, but"
                " %(rule)s counts only %(kinds)s as filed; send false, or leave the field out."
            )
            % {
                "filing": f"{FILING_KINDS.get(kind, kind)}（{name}）",
                "date": request.visit_date.isoformat(),
                "rule": policy.cite("out_of_region.filing_kinds"),
                "kinds": "、".join(FILING_KINDS.get(k, k) for k in sorted(kinds or ())),
            },
            field="out_of_region_filed",
        )
    if request.out_of_region_filed and not covering:
        rule = policy.cite("general_outpatient.unfiled_out_of_region_first_pay_rate")
        message = (
            _(
                "out_of_region_filed: no out-of-region filing of this person covers %(date)s at "
                "the institution's region (%(rule)s: filed rules need a filing covering the "
                "place and the date); record the filing (异地就医备案) first, or send false."
            )
            % {"date": request.visit_date.isoformat(), "rule": rule}
            if out
            else _("out_of_region_filed: the institution is in the person's own region.")
        )
        if out and request.channel != "manual":
            message = _with_manual_hint(message, policy)
        raise DomainError(message, field="out_of_region_filed")
    if not covering:
        if uncounted:
            _code, kind, name = uncounted[0]
            return "", f"{FILING_KINDS.get(kind, kind)}（{name}）"
        return "", ""
    _code, kind, name = covering[0]
    filing = f"{FILING_KINDS.get(kind, kind)}（{name}）"
    if request.out_of_region_filed is False:
        raise DomainError(
            _(
                "out_of_region_filed: the claim says the visit is not filed, but the filing"
                " registry has %(filing)s covering %(date)s at the institution's region; send"
                " true, or leave the field out and the registry decides."
            )
            % {"filing": filing, "date": request.visit_date.isoformat()},
            field="out_of_region_filed",
        )
    return filing, ""


def _claim(request: ClaimRequest, filed: tuple[str, str] = ("", "")) -> calculator.Claim:
    filing, uncounted = filed
    institution = request.institution
    prescribing = request.prescribing_institution
    return _frozen(
        calculator.Claim,
        {
            "benefit": request.benefit,
            "total_amount": request.total_amount,
            "self_pay_amount": request.self_pay_amount,
            "class_b_amount": request.class_b_amount,
            "disease_code": request.disease_code or None,
            "visit_date": request.visit_date,
            "institution_kind": institution.kind,
            "institution_level": institution.level,
            "prescribing_level": prescribing.level if prescribing else None,
            "designated": institution.designated,
            "specialist": bool(getattr(institution, "specialist", False)),
            "out_of_region": institution.region_id != request.person.region_id,
            "out_of_region_filed": bool(filing),
            "filing": filing,
            "filing_not_counted": uncounted,
            "flagged_filed": request.out_of_region_filed is True,
            "manual": request.channel == "manual",
            "use_account": request.use_account,
            "for_relative": request.account_holder is not None,
        },
    )


def _validate(request: ClaimRequest) -> None:
    ceiling = Decimal(settings.CLAIM_TOTAL_CEILING)
    if request.total_amount > ceiling:
        # Every path (API, manual claims, previews) comes here: no outpatient visit costs this
        # much, and such figures overflowed the dashboards' sums (issue 16).
        raise DomainError(
            _(
                "total_amount: %(amount)s is above the ceiling of %(ceiling)s for one"
                " outpatient claim (setting CLAIM_TOTAL_CEILING); check the amount."
            )
            % {"amount": f"{request.total_amount:,.2f}", "ceiling": f"{ceiling:,.2f}"},
            field="total_amount",
        )
    if request.benefit in ("chronic", "special") and not request.disease_code:
        raise DomainError(
            _("A chronic or special claim needs its disease code."), field="disease_code"
        )
    if request.visit_date > timezone.localdate():
        raise DomainError(_("The visit date is in the future."), field="visit_date")
    if request.prescribing_institution and request.institution.kind != "pharmacy":
        raise DomainError(
            _("Only a pharmacy claim has a prescribing institution."),
            field="prescribing_institution",
        )
    if request.account_holder is not None and request.account_holder.pk == request.person.pk:
        raise DomainError(
            _("A person's own account pays without account_holder; leave it empty."),
            field="account_holder",
        )


@dataclass(frozen=True)
class _Plan:
    """Everything known before the transaction: the calculator's inputs but the money."""

    claim: calculator.Claim
    person: calculator.Person
    policy: calculator.Policy
    version_id: int
    deductible_bucket: str
    pool_bucket: str
    payer_id: int | None  # whose account pays: the patient, the holder, or nobody
    holder_floor: Decimal = ZERO
    holder_rule: str = ""
    authorisation_id: int | None = None
    # Buckets whose pooled sum counts within the region's combined maximum (when it has a
    # figure), and the reported inpatient total counted with them.
    combined_buckets: frozenset[str] = frozenset()
    inpatient_pooled: Decimal = ZERO

    @property
    def buckets(self) -> set[str]:
        """Every accumulator row the settlement reads and locks."""
        extra = {ABOVE_CAP} if self.pool_bucket == "general_outpatient" else set()
        return {self.deductible_bucket, self.pool_bucket, *self.combined_buckets, *extra}

    def year_to_date(self, rows: dict[str, list]) -> calculator.YearToDate:
        deductible = rows.get(self.deductible_bucket)
        pooled = rows.get(self.pool_bucket)
        combined = self.inpatient_pooled
        for bucket in self.combined_buckets:
            row = rows.get(bucket)
            if row is not None:
                combined += row[2]
        return _frozen(
            calculator.YearToDate,
            {
                "deductible_used": ZERO if deductible is None else deductible[1],
                "pooled": ZERO if pooled is None else pooled[2],
                "combined_pooled": combined,
            },
        )


ABOVE_CAP = "general_above_cap"  # Yuxi 第九条's excess above the general-outpatient cap


def _combined_buckets(policy: calculator.Policy, rate_class: str) -> frozenset[str]:
    """The buckets counted within ``combined_annual_max`` when it has a figure for the rate
    class (an unset figure needs no sum: the claim is settled and the line says so). Read once
    per policy and rate class (the entry keeps the policy, so its id is not reused)."""
    key = (id(policy), rate_class)
    entry = _COMBINED.get(key)
    if entry is None or entry[0] is not policy:
        combined = policy.get("combined_annual_max") or {}
        name = rate_class if rate_class in combined else "retiree"
        if combined.get(name) in (None, "unlimited"):
            buckets = frozenset()
        else:
            buckets = frozenset(combined.get("covers") or [])
        if len(_COMBINED) > 1024:
            _COMBINED.clear()
        entry = _COMBINED[key] = (policy, buckets)
    return entry[1]


_COMBINED: dict[tuple[int, str], tuple] = {}


def _no_policy(request: ClaimRequest, person: Person) -> DomainError:
    return DomainError(
        _("No policy of %(region)s is in force on %(date)s.")
        % {"region": person.region, "date": request.visit_date.isoformat()},
        field="visit_date",
    )


def _plan(request: ClaimRequest, facts: _Facts, policy_of=None, validate: bool = True) -> _Plan:
    """The calculator's inputs for ``request`` from ``facts``. ``policy_of(rows)`` turns a region
    chain's version rows into (policy, version id): the versions in force (settlement), or the
    chain with a draft in place of its region's version (``replay``, which replays requests
    that were validated when they were settled: ``validate=False``)."""
    policy_of = policy_of or _policy
    if validate:
        _validate(request)
    rows = facts.versions
    elsewhere = ""
    if not _has_version(rows):
        if request.account_holder is None or not _has_version(facts.holder_versions):
            raise _no_policy(request, request.person)
        # A relative insured in a region with no policy here (e.g. 昆明市 under Yuxi 第十六条):
        # the holder's account still pays, under the holder's policy; no pooled part.
        rows = facts.holder_versions
        elsewhere = str(request.person.region)
    policy, version_id = policy_of(tuple(rows))
    if request.benefit == "chronic" and policy.get("chronic.deductible_shared_with_general"):
        # Jilin: the chronic deductible is counted with general outpatient's.
        buckets = ("general_outpatient", "chronic")
    else:
        buckets = (request.benefit, request.benefit)
    person = _person(request, facts, policy.document, policy.region_name)
    if elsewhere:
        person = replace(person, insured_elsewhere=elsewhere)
    plan = {
        "claim": _claim(request, _filed(request, facts, policy)),
        "person": person,
        "policy": policy,
        "version_id": version_id,
        "deductible_bucket": buckets[0],
        "pool_bucket": buckets[1],
        "payer_id": request.person.pk if request.use_account else None,
        "holder_floor": ZERO,
        "holder_rule": "",
        "authorisation_id": None,
        "combined_buckets": _combined_buckets(policy, person.rate_class),
        "inpatient_pooled": facts.inpatient_pooled,
    }
    holder = request.account_holder
    if holder is None:
        return _frozen(_Plan, plan)
    if facts.authorisation_id is None:
        raise DomainError(
            _(
                "%(holder)s has no active family-sharing authorisation for %(member)s on "
                "%(date)s; the claim cannot be paid from that account."
            )
            % {"holder": holder.name, "member": request.person.name, "date": request.visit_date},
            field="account_holder",
        )
    if not _has_version(facts.holder_versions):
        raise _no_policy(request, holder)
    hp, _holder_version_id = policy_of(tuple(facts.holder_versions))
    floor, rule = _holder_terms(hp)
    plan.update(
        payer_id=holder.pk if request.use_account else None,
        holder_floor=floor,
        holder_rule=rule,
        authorisation_id=facts.authorisation_id,
    )
    return _frozen(_Plan, plan)


# id(policy) -> (policy, language, (floor, rule) or the refusal): a policy's family-sharing
# terms are read once, not per claim (a replay settles thousands of relatives' claims). The
# policy itself is kept in the entry, so an id is never reused while its entry lives.
_HOLDER_TERMS: dict[int, tuple] = {}


def _holder_terms(hp: calculator.Policy) -> tuple[Decimal, str]:
    language = get_language()
    entry = _HOLDER_TERMS.get(id(hp))
    if entry is None or entry[0] is not hp or entry[1] != language:
        sharing = SharingPolicy(hp.document, hp.source, hp.region_name)
        try:
            check_holder_deductible(sharing)
            floor = sharing.floor()
            terms = (
                floor,
                f"{sharing.cite('min_residual_balance')} 家庭共济账户支付（持卡人须保留 {floor}）；"
                f"{sharing.cite('counts_toward_holder_deductible')} 不计入持卡人起付标准和统筹限额",
            )
        except DomainError as exc:
            terms = exc
        if len(_HOLDER_TERMS) > 256:
            _HOLDER_TERMS.clear()
        entry = _HOLDER_TERMS[id(hp)] = (hp, language, terms)
    terms = entry[2]
    if isinstance(terms, DomainError):
        # A fresh copy each time: a caller may amend the message, and a re-raised instance
        # would grow its traceback.
        fresh = BaseException.__new__(type(terms), *terms.args)
        fresh.__dict__.update(terms.__dict__)
        raise fresh
    return terms


def _balances(plan: _Plan, account: tuple[int, Decimal] | None) -> calculator.Balances:
    balance = account[1] if account else None
    if plan.authorisation_id is not None:
        values = {"own_account": None, "holder_account": balance,
                  "holder_floor": plan.holder_floor, "holder_rule": plan.holder_rule}  # fmt: skip
    else:
        values = {"own_account": balance, "holder_account": None, "holder_floor": ZERO,
                  "holder_rule": ""}  # fmt: skip
    return _frozen(calculator.Balances, values)


# --- Locks and writes ---------------------------------------------------------------------------
# Each helper returns a statement (text, params) so the settlement can send its locks as one
# batch and its writes as another (``sql.batch``); reversal runs the same statements one by one.


def _create_accumulators(person_id: int, year: int, buckets: list[str]) -> tuple[str, list]:
    values = ", ".join(["(%s, %s, %s, 0, 0)"] * len(buckets))
    return (
        f"INSERT INTO {T.accumulator} (person_id, year, bucket, deductible_used, pooled)"
        f" VALUES {values} ON CONFLICT (person_id, year, bucket) DO NOTHING",
        [v for bucket in buckets for v in (person_id, year, bucket)],
    )


def _select_accumulators(
    person_id: int, year: int, buckets: set[str], *, lock: bool
) -> tuple[str, list]:
    return (
        f"SELECT id, bucket, deductible_used, pooled FROM {T.accumulator}"
        f" WHERE person_id = %s AND year = %s AND bucket IN ({sql.placeholders(len(buckets))})"
        " ORDER BY id" + (sql.for_update() if lock else ""),
        [person_id, year, *sorted(buckets)],
    )


def _accumulator_rows(rows: list[tuple]) -> dict[str, list]:
    """``{bucket: [id, deductible_used, pooled]}``."""
    return {b: [i, sql.money(d), sql.money(p)] for i, b, d, p in rows}


def _accumulators(person_id: int, year: int, buckets: set[str], *, lock: bool) -> dict[str, list]:
    """The person's accumulators; with ``lock``, created when missing and locked by key."""
    if lock:
        sql.execute(*_create_accumulators(person_id, year, sorted(buckets)))
    return _accumulator_rows(sql.rows(*_select_accumulators(person_id, year, buckets, lock=lock)))


def _select_account(person_id: int, *, lock: bool) -> tuple[str, list]:
    return (
        f"SELECT id, balance FROM {T.account} WHERE person_id = %s"
        + (sql.for_update() if lock else ""),
        [person_id],
    )


def _account_row(rows: list[tuple]) -> tuple[int, Decimal] | None:
    return (rows[0][0], sql.money(rows[0][1])) if rows else None


def _account(person_id: int | None, *, lock: bool) -> tuple[int, Decimal] | None:
    if person_id is None:
        return None
    return _account_row(sql.rows(*_select_account(person_id, lock=lock)))


def _accrue(
    accumulators: dict[str, list], moves: dict[str, tuple[Decimal, Decimal]]
) -> tuple[str, list] | None:
    """Add (deductible, pooled) to each bucket's row: one UPDATE for all changed rows (new
    values computed here, under the row locks: exact on SQLite too, where SQL sums are floats)."""
    changed = []
    for bucket, (deductible, pooled) in moves.items():
        if deductible or pooled:
            row = accumulators[bucket]
            row[1] += deductible
            row[2] += pooled
            changed.append(row)
    if not changed:
        return None
    # The cast types the parameter when the statement is prepared (a bare CASE would be text).
    cases = " ".join(["WHEN %s THEN CAST(%s AS NUMERIC)"] * len(changed))
    return (
        f"UPDATE {T.accumulator} SET deductible_used = CASE id {cases} END,"
        f" pooled = CASE id {cases} END WHERE id IN ({sql.placeholders(len(changed))})",
        [v for i, d, _p in changed for v in (i, d)]
        + [v for i, _d, p in changed for v in (i, p)]
        + [i for i, _d, _p in changed],
    )


def _moves(deductible_bucket, pool_bucket, deductible, pooled, above_cap=ZERO) -> dict:
    """What a settlement adds to each bucket; the part paid above the cap has its own."""
    moves = {deductible_bucket: (deductible, ZERO)}
    d, p = moves.get(pool_bucket, (ZERO, ZERO))
    moves[pool_bucket] = (d, p + pooled - above_cap)
    if above_cap:
        moves[ABOVE_CAP] = (ZERO, above_cap)
    return moves


def _post(
    account: tuple[int, Decimal], entry: LedgerEntry, reference: tuple[str, list] | None = None
) -> list[tuple[str, list]]:
    """Append one ledger entry and set the balance it leaves (the account is locked)."""
    entry.account_id = account[0]
    entry.balance_after = account[1] + entry.amount
    expressions = {"reference": reference} if reference else None
    return [
        sql.insert_statement(entry, expressions),
        (f"UPDATE {T.account} SET balance = %s WHERE id = %s", [entry.balance_after, account[0]]),
    ]


def _retrying(fn, transaction_of=transaction.atomic):
    """Run ``fn`` in a transaction, again on deadlock or serialization failure."""
    for attempt in range(RETRIES):
        try:
            with transaction_of():
                return fn()
        except OperationalError as exc:
            retryable = getattr(exc.__cause__, "sqlstate", None) in ("40001", "40P01") or (
                connection.vendor == "sqlite" and "locked" in str(exc)
            )
            # Joined to a caller's fused transaction there is no savepoint to retry from: the
            # caller's transaction is lost and the caller retries it whole.
            if not retryable or attempt == RETRIES - 1 or sql.joined():
                raise
            time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _settle(plan: _Plan, ytd, balances: calculator.Balances) -> calculator.Breakdown:
    try:
        return calculator.settle(plan.claim, plan.person, ytd, balances, plan.policy)
    except DomainError as exc:
        if plan.claim.out_of_region and not plan.claim.manual:
            exc.message = _with_manual_hint(exc.message, plan.policy)
        raise


def _with_manual_hint(message: str, policy: calculator.Policy) -> str:
    """An out-of-region claim refused on-line: where the document settles such claims by hand
    (``out_of_region.manual_reimbursement`` with its article), say so and where."""
    if not policy.get(calculator.MANUAL_PATH):
        return message
    hint = _(
        "%(rule)s: a claim that could not be settled on-line is settled by the bureau from"
        " the insurance card, invoice and medical record (手工报销: the clerk's manual"
        " reimbursement page); an unfiled visit needs its filing (异地就医备案) first."
    ) % {"rule": policy.cite(calculator.MANUAL_PATH)}
    return f"{message} {hint}"


# --- Shared with the policy replay -------------------------------------------------------------
# ``replay`` recomputes stored settlements under a draft with the facts each one had. It builds
# the same inputs through the same code: these names are the part of this module it uses.

ClaimFacts = _Facts
claim_plan = _plan
claim_balances = _balances
claim_moves = _moves
policy_of_rows = _policy
instance_of = _frozen


# --- Services -----------------------------------------------------------------------------------


def settlement_preview(*, request: ClaimRequest) -> calculator.Breakdown:
    """预结算: the same computation, nothing written or locked."""
    facts = _read(request, preview=True)  # one round trip: the facts, accumulators, accounts
    plan = _plan(request, facts)
    rows = {b: row for b, row in facts.accumulators.items() if b in plan.buckets}
    ytd = plan.year_to_date(rows)
    account = facts.accounts.get(plan.payer_id) if plan.payer_id is not None else None
    return _settle(plan, ytd, _balances(plan, account))


def settlement_create(
    *, request: ClaimRequest, actor=None, expected: dict[str, str] | None = None
) -> tuple[Settlement, bool]:
    """Settle a claim; returns (settlement, created). Same claim again → the original.

    ``expected``: the figures a clerk was shown at the preview (``breakdown_figures``). The
    claim settles only if it comes to exactly those, computed under the locks; otherwise
    (the account or the year-to-date figures moved since the preview) nothing is written."""
    fingerprint = request.fingerprint()
    facts = _read(request)
    if facts.settled is not None:
        return _same_or_conflict(Settlement.objects.get(pk=facts.settled[0]), fingerprint), False
    plan = _plan(request, facts)

    def write() -> Settlement:
        year = request.visit_date.year
        buckets = plan.buckets
        locks = []
        missing = sorted(buckets - facts.buckets)
        if missing:
            locks.append(_create_accumulators(request.person.pk, year, missing))
        locks.append(_select_accumulators(request.person.pk, year, buckets, lock=True))
        if plan.authorisation_id is not None:
            locks.append(_select_authorisation(plan.authorisation_id))
        if plan.payer_id is not None:
            locks.append(_select_account(plan.payer_id, lock=True))
        results = sql.batch(locks)[1 if missing else 0 :]
        accumulators = _accumulator_rows(results[0])
        if plan.authorisation_id is not None:
            _check_authorisation(results[1], request)
        account = _account_row(results[-1]) if plan.payer_id is not None else None
        ytd = plan.year_to_date(accumulators)
        b = _settle(plan, ytd, _balances(plan, account))
        if expected is not None and breakdown_figures(b) != expected:
            # Raised inside the transaction: the locks and any new accumulator rows roll back.
            raise Conflict(
                _(
                    "The figures changed since the preview (the account or the year's"
                    " deductible and pooled amounts moved): preview the claim again."
                ),
                code="preview_stale",
            )
        settlement = Settlement(
            claim_number=request.claim_number,
            institution=request.institution,
            person=request.person,
            account_holder=request.account_holder,
            sharing_authorisation_id=plan.authorisation_id,
            prescribing_institution=request.prescribing_institution,
            policy_version_id=plan.version_id,
            visit_date=request.visit_date,
            benefit=request.benefit,
            disease_code=(request.disease_code or "").upper(),
            out_of_region_filed=plan.claim.out_of_region_filed,
            channel=request.channel,
            use_account=request.use_account,
            total_amount=b.total_amount,
            self_pay_amount=b.self_pay_amount,
            class_b_amount=request.class_b_amount,
            policy_amount=b.policy_amount,
            first_pay_amount=b.first_pay_amount,
            deductible_applied=b.deductible_applied,
            pool_paid=b.pool_paid,
            pool_paid_above_cap=b.pool_above_cap,
            account_paid=b.account_paid,
            family_account_paid=b.family_account_paid,
            cash_paid=b.cash_paid,
            deductible_bucket=plan.deductible_bucket,
            patient_category=request.person.category,
            institution_level=level_of(request.institution),
            explanation=[line.as_dict() for line in b.explanation],
            request_hash=fingerprint,
            created_by=actor,
        )
        writes = [sql.insert_statement(settlement)]
        accrue = _accrue(
            accumulators,
            _moves(
                plan.deductible_bucket,
                plan.pool_bucket,
                b.deductible_applied,
                b.pool_paid,
                b.pool_above_cap,
            ),
        )
        if accrue:
            writes.append(accrue)
        paid = b.account_paid or b.family_account_paid
        if paid:
            shared = plan.authorisation_id is not None
            entry = LedgerEntry(
                kind="shared_debit" if shared else "claim_debit",
                amount=-paid,
                memo=_memo(request, shared),
                member=request.person if shared else None,
                sharing_authorisation_id=plan.authorisation_id,
                created_by=actor,
            )
            # The settlement's id is not known until the batch runs: read it back in SQL.
            reference = (
                f"'settlement:' || CAST((SELECT id FROM {T.settlement}"
                " WHERE institution_id = %s AND claim_number = %s) AS TEXT)",
                [request.institution.pk, request.claim_number],
            )
            writes += _post(account, entry, reference)
        writes += _summaries(settlement, request.person.region_id, +1)
        writes.append(_audited(settlement, actor))
        sql.saved(settlement, sql.batch(writes, commit=True)[0][0][0])
        # The paying account's balance after the settlement, as written under its lock (for a
        # caller answering with the balance, e.g. the gateway's 2207 ``balc``): not a field.
        if account is not None:
            settlement.payer_balance = (plan.payer_id, account[1] - paid if paid else account[1])
        return settlement

    try:
        # Every statement of write() is a batch: BEGIN and COMMIT ride on the two batches.
        return _retrying(write, sql.fused_transaction), True
    except IntegrityError:
        if sql.joined():
            raise  # the caller's transaction is lost: the caller reads what won
        # The same claim number arrived twice at once: the unique index let one through.
        existing = Settlement.objects.filter(
            institution=request.institution, claim_number=request.claim_number
        ).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, fingerprint), False


PAYERS = ("deductible_applied", "pool_paid", "account_paid", "family_account_paid", "cash_paid")


def breakdown_figures(b: calculator.Breakdown) -> dict[str, str]:
    """What a settlement pays, as text (for a signed preview): who pays how much."""
    return {name: f"{getattr(b, name):.2f}" for name in PAYERS}


def _figures(s: Settlement) -> dict:
    return {name: getattr(s, name) for name in PAYERS}


def _audited(settlement: Settlement, actor) -> tuple[str, list]:
    """The settlement's audit event, as one more statement of the write batch."""
    made = audit.event(
        action="claims.settlement.create",
        object_type="claims.settlement",
        person_id=settlement.person_id,
        other_person_id=settlement.account_holder_id,
        amount=settlement.total_amount,
        summary=f"{settlement.institution.name} {settlement.claim_number}",
        changes=_figures(settlement),
        actor=actor,
    )
    settlement_id = (
        f"CAST((SELECT id FROM {T.settlement} WHERE institution_id = %s AND claim_number = %s)"
        " AS TEXT)",
        [settlement.institution_id, settlement.claim_number],
    )
    return sql.insert_statement(made, {"object_id": settlement_id})


def _memo(request: ClaimRequest, shared: bool) -> str:
    memo = f"{request.institution.name} {request.claim_number}"
    if shared:
        memo = f"家庭共济 {request.person.name} {memo}"
    return memo[:200]


def _select_authorisation(authorisation_id: int) -> tuple[str, list]:
    """Share-lock the authorisation: a revoke waits for this settlement to finish."""
    return (
        f"SELECT status, valid_from, valid_to FROM {T.authorisation} WHERE id = %s"
        + sql.for_update("SHARE"),
        [authorisation_id],
    )


def _check_authorisation(rows: list[tuple], request: ClaimRequest) -> None:
    """The authorisation again, under its lock (it may have been revoked since the read)."""
    status, valid_from, valid_to = rows[0]
    if isinstance(valid_from, str):  # SQLite returns dates as text
        valid_from = date.fromisoformat(valid_from)
        valid_to = date.fromisoformat(valid_to) if valid_to else None
    held = SharingAuthorisation(status=status, valid_from=valid_from, valid_to=valid_to)
    if not held.covers(request.visit_date):
        raise DomainError(
            _("The family-sharing authorisation was revoked; the claim cannot use it."),
            field="account_holder",
        )


def _same_or_conflict(existing: Settlement, fingerprint: str) -> Settlement:
    if existing.request_hash != fingerprint:
        raise Conflict(
            _("Claim number %(n)s was already settled by this institution with different figures.")
            % {"n": existing.claim_number},
            field="claim_number",
        )
    return existing


def settlement_reverse(*, settlement: Settlement, actor=None, reason: str = "") -> Settlement:
    """撤销: restore exactly what the settlement took (accumulators and account), once; who,
    when and why are kept on the settlement and in the audit trail."""
    reason = (reason or "").strip()[:200]

    def write() -> Settlement:
        s = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if s.status == Settlement.Status.REVERSED:
            raise Conflict(_("This settlement has already been reversed."))
        above = s.pool_paid_above_cap or ZERO
        buckets = {s.deductible_bucket, s.benefit} | ({ABOVE_CAP} if above else set())
        accumulators = _accumulators(s.person_id, s.visit_date.year, buckets, lock=True)
        accrue = _accrue(
            accumulators,
            _moves(s.deductible_bucket, s.benefit, -s.deductible_applied, -s.pool_paid, -above),
        )
        if accrue:
            sql.execute(*accrue)
        paid = s.account_paid or s.family_account_paid
        if paid:
            shared = s.sharing_authorisation_id is not None
            account = _account(s.account_holder_id if shared else s.person_id, lock=True)
            statements = _post(
                account,
                LedgerEntry(
                    kind="reversal",
                    amount=paid,
                    reference=f"settlement:{s.pk}:reversal",
                    memo=f"撤销 {s.claim_number}"[:200],
                    member_id=s.person_id if shared else None,
                    sharing_authorisation_id=s.sharing_authorisation_id,
                    created_by=actor,
                ),
            )
            sql.batch(statements)
        s.status = Settlement.Status.REVERSED
        s.reversed_by = actor
        s.reversed_at = timezone.now()
        s.reversal_reason = reason
        s.save(update_fields=["status", "reversed_by", "reversed_at", "reversal_reason"])
        # The region the settlement was reported under: its policy's, whatever the person's now.
        region_id = PolicyVersion.objects.values_list("region_id", flat=True).get(
            pk=s.policy_version_id
        )
        sql.batch(_summaries(s, region_id, -1))
        audit.record(
            action="claims.settlement.reverse",
            obj=s,
            person_id=s.person_id,
            other_person_id=s.account_holder_id,
            amount=-s.total_amount,
            summary=f"撤销 {s.institution.name} {s.claim_number}"
            + (f"（原因：{reason}）" if reason else ""),
            changes={**_figures(s), **({"reason": reason} if reason else {})},
            actor=actor,
        )
        return s

    return _retrying(write)
