"""The replay of one chunk of persons under a draft (pure reads: nothing is written).

For every settlement (not reversed) of the chunk's persons reported under the draft's region or a
region below it, from 1 January of the first year up to the period's end, in the order the claims
were settled (per person, by settlement id): the facts the claim had are rebuilt (rate class,
certifications, inpatient stays, the out-of-region filing, the sharing authorisation the
settlement recorded, the reported inpatient total, the account balance before the claim) and the
calculator's inputs are built by the settlement's own code (``claims.settlement.claim_plan``)
with the draft in place of its region's version; the person's year-to-date figures come from the
replayed sequence itself, never from today's accumulators. Claims before ``start`` only warm the
year-to-date figures up; those in [start, end] are aggregated.

The account balance a replayed claim sees is the balance the stored claim saw, moved by what the
draft paid differently from the same account on the earlier replayed claims of the chunk (a
holder paying for a relative in another chunk is not followed across chunks; crediting under the
draft does not move the balances the settlements see).

Aggregates are kept per chunk in small dicts (totals by month, benefit, level, rate class, age
band; the distribution of per-person differences; refusals by parameter); no per-claim list is
kept, and a person's state lives only while that person's claims stream by.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import groupby

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce

from accounts.models import LedgerEntry, PersonalAccount
from accounts.rules import money as credit_money
from accounts.rules import retiree_bands
from claims import calculator
from claims.models import ChronicCertification, InpatientTotal, Settlement
from claims.settlement import (
    ClaimFacts,
    ClaimRequest,
    claim_balances,
    claim_moves,
    claim_plan,
    instance_of,
    policy_of_rows,
)
from enrollment.models import InpatientStay, Institution, OutOfRegionFiling, Person
from family_sharing.models import SharingAuthorisation
from policies.models import PolicyDraft, PolicyVersion, Region
from policies.params import UnsetParameter, require_decimal
from policies.selectors import effective_policy, layers_of
from policies.tree import effective
from staff.errors import DomainError

ZERO = Decimal("0.00")
MONEY = ("total_amount", "pool_paid", "account_paid", "family_account_paid", "cash_paid")
DIMENSIONS = ("month", "benefit", "level", "rate_class", "age_band")
AGE_BANDS = ((0, "0-44"), (45, "45-59"), (60, "60-69"), (70, "70-79"), (80, "80+"))
# Edges of the per-person difference buckets (draft minus actual own burden, yuan); a bucket is
# [lower, upper), the open ends have no bound, and "no change" is a bucket of its own.
EDGES = [Decimal(x) for x in ("-1000", "-500", "-100", "-10", "0", "10", "100", "500", "1000")]
BUCKETS: list[tuple[Decimal | None, Decimal | None]] = (
    [(None, EDGES[0])]
    + [(EDGES[i], EDGES[i + 1]) for i in range(4)]
    + [(ZERO, ZERO)]
    + [(EDGES[i], EDGES[i + 1]) for i in range(4, 8)]
    + [(EDGES[8], None)]
)
CHECKED = ("deductible_applied", "pool_paid", "account_paid", "family_account_paid", "cash_paid")
MAX_MISMATCHES = 20
HEARTBEAT_EVERY = 5.0  # seconds between a running chunk's heartbeats


def draft_version(draft: PolicyDraft) -> PolicyVersion:
    """The draft as an unsaved version of its region (``effective_policy(extra=...)``)."""
    return PolicyVersion(
        region=draft.region,
        effective_from=draft.effective_from,
        effective_to=draft.effective_to,
        source=draft.source,
        document=draft.document,
        kind="version",
    )


@dataclass
class Scope:
    """What a replay job replays (from its parameters)."""

    draft: PolicyDraft
    region_ids: list[int]
    start: date
    end: date
    sample_per_chunk: int = 0

    @property
    def warm_from(self) -> date:
        return date(self.start.year, 1, 1)


# --- The region tree and the versions, read once per chunk --------------------------------------


class Tree:
    """Regions and policy versions in memory: a claim's chain rows without a query each."""

    def __init__(self, draft: PolicyDraft | None):
        self.regions = {r.pk: r for r in Region.objects.all()}
        self.versions = {v.pk: v for v in PolicyVersion.objects.select_related("region")}
        self.by_region: dict[int, list[PolicyVersion]] = {}
        for v in self.versions.values():
            self.by_region.setdefault(v.region_id, []).append(v)
        self.draft = draft
        self.draft_as_version = draft_version(draft) if draft is not None else None
        self._rows: dict[tuple, tuple] = {}
        self._draft_policies: dict[tuple, tuple] = {}
        self._by_rows: dict[tuple, tuple] = {}  # a chain's rows as ``rows`` returns them

    def rows(self, region_id: int, day: date, *, draft: bool) -> tuple:
        """The chain's versions in force on ``day`` as ``claims.settlement`` keys them
        (``(id, "depth|kind|created")``); with ``draft``, the draft's region's own version is
        replaced by the draft (its fills stay, as ``effective_policy(extra=...)`` does)."""
        key = (region_id, day, draft)
        found = self._rows.get(key)
        if found is not None:
            return found
        rows, depth, current, seen = [], 0, region_id, set()
        while current is not None and current not in seen and depth <= 16:
            seen.add(current)
            replaced = draft and self.draft is not None and current == self.draft.region_id
            for v in self.by_region.get(current, ()):
                if replaced and v.kind == "version":
                    continue
                if v.covers(day):
                    rows.append((str(v.pk), f"{depth}|{v.kind}|{v.created_at.isoformat()}"))
            if replaced:
                rows.append(("draft", f"{depth}|version|draft"))
            current = self.regions[current].parent_id if current in self.regions else None
            depth += 1
        found = self._rows[key] = tuple(rows)
        return found

    def draft_policy(self, rows: tuple) -> tuple[calculator.Policy, int]:
        """``claims.settlement``'s policy of a chain's rows, the draft among them."""
        found = self._by_rows.get(rows)
        if found is None:
            found = self._by_rows[rows] = self._draft_policy(rows)
        return found

    def _draft_policy(self, rows: tuple) -> tuple[calculator.Policy, int]:
        if not any(i == "draft" for i, _m in rows):
            return policy_of_rows(rows)
        key = tuple(sorted(rows))
        cached = self._draft_policies.get(key)
        if cached is None:
            depth, versions = {}, []
            for i, meta in key:
                v = self.draft_as_version if i == "draft" else self.versions[int(i)]
                depth[id(v)] = int(meta.split("|", 1)[0])
                versions.append(v)
            layers = layers_of(versions, {v.region_id: -depth[id(v)] for v in versions})
            bases = [v for v in versions if v.kind == "version"]
            deepest = min(bases, key=lambda v: depth[id(v)])
            document = effective(layers).document
            policy = calculator.Policy(document, deepest.citation_source, deepest.region.name)
            cached = self._draft_policies[key] = (policy, deepest.pk or 0)
        return cached


# --- Aggregates ----------------------------------------------------------------------------------


def _sums() -> list:
    return [0, ZERO, ZERO, ZERO, ZERO, ZERO]


def _add(sums: list, figures: tuple) -> None:
    sums[0] += 1
    sums[1] += figures[0]
    sums[2] += figures[1]
    sums[3] += figures[2]
    sums[4] += figures[3]
    sums[5] += figures[4]


def _sums_json(sums: list, refused: int | None = None) -> dict:
    out = {"settlements": sums[0]}
    out.update({name: f"{sums[i]:.2f}" for i, name in enumerate(MONEY, 1)})
    if refused is not None:
        out["refused"] = refused
    return out


def _sums_from(data: dict) -> list:
    return [int(data.get("settlements", 0))] + [Decimal(data.get(n, "0")) for n in MONEY]


def _merge_sums(a: list, b: list) -> None:
    for i in range(len(a)):
        a[i] += b[i]


@dataclass
class Aggregate:
    """A chunk's (or the whole job's) figures; JSON both ways, merged by adding."""

    claims: int = 0
    actual: list = field(default_factory=_sums)
    draft: list = field(default_factory=_sums)
    refused_claims: int = 0
    # dimension -> key -> [actual sums, draft sums, refused]
    dims: dict = field(default_factory=lambda: {d: {} for d in DIMENSIONS})
    buckets: list = field(default_factory=lambda: [0] * len(BUCKETS))
    persons_better: int = 0
    persons_worse: int = 0
    total_better: Decimal = ZERO
    total_worse: Decimal = ZERO
    newly_at_cap: int = 0
    refused: dict = field(default_factory=dict)  # parameter -> [article, message, claims]
    sample: int = 0
    matched: int = 0
    mismatches: list = field(default_factory=list)
    credit_months: dict = field(default_factory=dict)  # "YYYY-MM" -> [actual, draft, accounts]
    credit_refused: dict = field(default_factory=dict)  # parameter -> [message, accounts]

    def dim(self, name: str, key: str) -> list:
        row = self.dims[name].get(key)
        if row is None:
            row = self.dims[name][key] = [_sums(), _sums(), 0]
        return row

    def to_json(self) -> dict:
        return {
            "claims": self.claims,
            "actual": _sums_json(self.actual),
            "draft": _sums_json(self.draft, self.refused_claims),
            "dims": {
                d: {k: [_sums_json(a), _sums_json(b, r)] for k, (a, b, r) in rows.items()}
                for d, rows in self.dims.items()
            },
            "buckets": self.buckets,
            "persons_better": self.persons_better,
            "persons_worse": self.persons_worse,
            "total_better": f"{self.total_better:.2f}",
            "total_worse": f"{self.total_worse:.2f}",
            "newly_at_cap": self.newly_at_cap,
            "refused": self.refused,
            "exact": {
                "sample": self.sample,
                "matched": self.matched,
                "mismatches": self.mismatches,
            },
            "credit_months": {
                k: [f"{a:.2f}", f"{d:.2f}", n] for k, (a, d, n) in self.credit_months.items()
            },  # fmt: skip
            "credit_refused": self.credit_refused,
        }

    @classmethod
    def from_json(cls, data: dict) -> Aggregate:
        agg = cls()
        agg.claims = data["claims"]
        agg.actual = _sums_from(data["actual"])
        agg.draft = _sums_from(data["draft"])
        agg.refused_claims = data["draft"].get("refused", 0)
        for d, rows in data["dims"].items():
            agg.dims[d] = {k: [_sums_from(a), _sums_from(b), b.get("refused", 0)]
                           for k, (a, b) in rows.items()}  # fmt: skip
        agg.buckets = list(data["buckets"])
        agg.persons_better, agg.persons_worse = data["persons_better"], data["persons_worse"]
        agg.total_better = Decimal(data["total_better"])
        agg.total_worse = Decimal(data["total_worse"])
        agg.newly_at_cap = data["newly_at_cap"]
        agg.refused = {k: list(v) for k, v in data["refused"].items()}
        agg.sample = data["exact"]["sample"]
        agg.matched = data["exact"]["matched"]
        agg.mismatches = list(data["exact"]["mismatches"])
        agg.credit_months = {k: [Decimal(a), Decimal(d), n]
                             for k, (a, d, n) in data["credit_months"].items()}  # fmt: skip
        agg.credit_refused = {k: list(v) for k, v in data["credit_refused"].items()}
        return agg

    def merge(self, other: Aggregate) -> None:
        self.claims += other.claims
        _merge_sums(self.actual, other.actual)
        _merge_sums(self.draft, other.draft)
        self.refused_claims += other.refused_claims
        for d, rows in other.dims.items():
            for k, (a, b, r) in rows.items():
                mine = self.dim(d, k)
                _merge_sums(mine[0], a)
                _merge_sums(mine[1], b)
                mine[2] += r
        self.buckets = [x + y for x, y in zip(self.buckets, other.buckets, strict=True)]
        self.persons_better += other.persons_better
        self.persons_worse += other.persons_worse
        self.total_better += other.total_better
        self.total_worse += other.total_worse
        self.newly_at_cap += other.newly_at_cap
        for parameter, (article, message, n) in other.refused.items():
            mine = self.refused.setdefault(parameter, [article, message, 0])
            mine[2] += n
        self.sample += other.sample
        self.matched += other.matched
        room = MAX_MISMATCHES - len(self.mismatches)
        self.mismatches += other.mismatches[: max(0, room)]
        for k, (a, d, n) in other.credit_months.items():
            mine = self.credit_months.setdefault(k, [ZERO, ZERO, 0])
            mine[0] += a
            mine[1] += d
            mine[2] += n
        for parameter, (message, n) in other.credit_refused.items():
            mine = self.credit_refused.setdefault(parameter, [message, 0])
            mine[1] += n


def bucket_of(delta: Decimal) -> int:
    if delta == 0:
        return 5
    for i, (lower, upper) in enumerate(BUCKETS):
        if i == 5:
            continue
        if (lower is None or delta >= lower) and (upper is None or delta < upper):
            return i
    raise AssertionError(delta)  # pragma: no cover


def age_band(birth: date, day: date) -> str:
    age = day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
    band = AGE_BANDS[0][1]
    for low, name in AGE_BANDS:
        if age >= low:
            band = name
    return band


# --- Facts of a chunk -----------------------------------------------------------------------------


PERSON_FIELDS = (
    "id", "id_number", "name", "region_id", "scheme", "category", "employment",
    "retirement_date", "rule_group", "benefits_from", "status", "birth_date",
)  # fmt: skip


class ChunkFacts:
    """Every fact the chunk's claims need, read in a few queries by person-id range (a fixed
    number of queries whatever the chunk's claims: ``tests/replay`` counts them)."""

    def __init__(self, lo: int, hi: int, region_ids: list[int]):
        in_range = {"person_id__gte": lo, "person_id__lte": hi}
        # The region's persons, and the account holders outside them (a relative's holder in
        # another chunk or region) in the same query: a settlement paid from a holder's account
        # records the holder's authorisation, so the holders of the authorisations of the
        # chunk's members are every holder its settlements can name (read from the small
        # authorisations table, not from another pass over the chunk's settlements).
        self.lo, self.hi = lo, hi
        self.holders = holders = set(
            SharingAuthorisation.objects.filter(member_id__gte=lo, member_id__lte=hi)
            .values_list("holder_id", flat=True)
            .distinct()
        )
        # The fields the plan and its messages read; the region from the few regions read
        # once (not a joined copy per person).
        regions = Region.objects.in_bulk()
        cache_region = Person.region.field.set_cached_value
        self.persons = {}
        for p in Person.objects.only(*PERSON_FIELDS).filter(
            Q(pk__gte=lo, pk__lte=hi, region_id__in=region_ids) | Q(pk__in=holders)
        ):
            cache_region(p, regions[p.region_id])
            self.persons[p.pk] = p
        # Whose account exists (a payer without one pays nothing from an account).
        self.accounts = set(
            PersonalAccount.objects.filter(
                Q(person_id__gte=lo, person_id__lte=hi) | Q(person_id__in=holders)
            ).values_list("person_id", flat=True)
        )
        # Every institution, the fields the claim's plan reads (``claims.settlement._claim``,
        # ``_filed``): a few thousand small rows, where finding the ones the chunk's
        # settlements name took two more passes over those settlements (random heap reads).
        fields = ("id", "kind", "level", "designated", "specialist", "region_id")
        self.institutions = Institution.objects.only(*fields).in_bulk()
        self.region_codes = {pk: r.code for pk, r in regions.items()}
        self.certified: dict[int, list] = {}
        for pid, code, kind, vf, vt in ChronicCertification.objects.filter(
            status="approved", **in_range
        ).values_list("person_id", "disease__code", "disease__kind", "valid_from", "valid_to"):
            self.certified.setdefault(pid, []).append((code, kind, vf, vt))
        self.stays: dict[int, list] = {}
        for pid, admitted, discharged in InpatientStay.objects.filter(**in_range).values_list(
            "person_id", "admitted_on", "discharged_on"
        ):
            self.stays.setdefault(pid, []).append((admitted, discharged))
        self.inpatient = {
            (pid, year): pooled
            for pid, year, pooled in InpatientTotal.objects.filter(**in_range).values_list(
                "person_id", "year", "pooled"
            )
        }
        self.filings: dict[int, list] = {}
        for pid, code, kind, vf, vt in OutOfRegionFiling.objects.filter(**in_range).values_list(
            "person_id", "region__code", "kind", "valid_from", "valid_to"
        ):
            self.filings.setdefault(pid, []).append((code, kind, vf, vt))

    def has_account(self, pk: int) -> bool:
        """Whether the payer ``pk`` has a personal account: known for the chunk's range and its
        holders (read above), asked once for anyone else (not met: a settlement's holder has an
        authorisation of a member in the chunk)."""
        if pk in self.accounts:
            return True
        if self.lo <= pk <= self.hi or pk in self.holders:
            return False
        self.holders.add(pk)
        if PersonalAccount.objects.filter(person_id=pk).exists():
            self.accounts.add(pk)
            return True
        return False

    def person(self, pk: int) -> Person:
        person = self.persons.get(pk)
        if person is None:  # not met: read above with the chunk's persons and holders
            person = self.persons[pk] = Person.objects.get(pk=pk)
        return person

    def facts(self, row, person: Person, holder: Person | None, tree: Tree, draft: bool):
        visit = row.visit_date
        pk = person.pk
        certified = self.certified.get(pk)
        in_stay = discharge_day = False
        stays = self.stays.get(pk)
        if stays:
            for admitted, discharged in stays:
                if admitted <= visit and (discharged is None or discharged >= visit):
                    if discharged == visit:
                        discharge_day = True
                    else:
                        in_stay = True
        institution = self.institutions[row.institution_id]
        out = institution.region_id != person.region_id
        # Every field of ``ClaimFacts`` (``instance_of``: no generated ``__init__`` per claim).
        return instance_of(
            ClaimFacts,
            {
                "settled": None,
                "versions": tree.rows(person.region_id, visit, draft=draft),
                "holder_versions": (
                    tree.rows(holder.region_id, visit, draft=draft) if holder is not None else []
                ),
                "certified": (
                    [
                        (code, kind)
                        for code, kind, vf, vt in certified
                        if vf <= visit and (vt is None or vt >= visit)
                    ]
                    if certified
                    else []
                ),
                "in_stay": in_stay,
                "discharge_day": discharge_day,
                "inpatient_pooled": (
                    self.inpatient.get((pk, visit.year), ZERO) if self.inpatient else ZERO
                ),
                "place": self.region_codes.get(institution.region_id, "") if out else "",
                "filings": (
                    [
                        (code, kind)
                        for code, kind, vf, vt in self.filings.get(pk, ())
                        if vf <= visit and (vt is None or vt >= visit)
                    ]
                    if out
                    else []
                ),
                "authorisation_id": row.sharing_authorisation_id if holder is not None else None,
                "buckets": set(),
                "accumulators": {},
                "accounts": {},
            },
        )

    def request(self, row, person: Person, holder: Person | None) -> ClaimRequest:
        prescribing = row.prescribing_institution_id
        return instance_of(
            ClaimRequest,
            {
                "claim_number": row.claim_number,
                "person": person,
                "institution": self.institutions[row.institution_id],
                "visit_date": row.visit_date,
                "benefit": row.benefit,
                "total_amount": row.total_amount,
                "self_pay_amount": row.self_pay_amount,
                "class_b_amount": row.class_b_amount,
                "disease_code": row.disease_code,
                # Stored false may meet a filing recorded later: the registry then decides.
                "out_of_region_filed": row.out_of_region_filed or None,
                "prescribing_institution": (
                    self.institutions.get(prescribing) if prescribing else None
                ),
                "use_account": row.use_account,
                "account_holder": holder,
                "channel": "online",
            },
        )


ROW_FIELDS = (
    "id", "person_id", "claim_number", "institution_id", "visit_date", "benefit",
    "total_amount", "self_pay_amount", "class_b_amount", "disease_code", "out_of_region_filed",
    "prescribing_institution_id", "use_account", "account_holder_id",
    "sharing_authorisation_id", "deductible_applied", "pool_paid", "pool_paid_above_cap",
    "account_paid", "family_account_paid", "cash_paid", "institution_level",
    "patient_category", "balance_before", "capped",
)  # fmt: skip


class _Balance(Subquery):
    """The balance subquery: psycopg already returns a ``Decimal`` for the numeric column, so on
    PostgreSQL no per-row converter (Django's re-wraps every row of the stream)."""

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return []
        return super().get_db_converters(connection)


def _capped():
    """Whether the stored claim's explanation has a cap line: a JSON containment where the
    database has one (PostgreSQL's ``@>``, no text cast of every explanation), else the text."""
    if connection.features.supports_json_field_contains:
        return Q(explanation__contains=[{"step": "cap"}])
    return Q(explanation_text__contains='"step": "cap"')


def settlements(scope: Scope, lo: int, hi: int):
    """The chunk's settlements in order (named tuples of ``ROW_FIELDS``), with the payer's
    balance before each (the latest ledger balance of the paying account written before the
    settlement) and whether the stored claim reached an annual cap (its explanation has a cap
    line)."""
    # Two levels down (the ledger's subquery's own subquery): the settlement's payer.
    payer = Coalesce(OuterRef(OuterRef("account_holder_id")), OuterRef(OuterRef("person_id")))
    account = PersonalAccount.objects.filter(person_id=payer).values("id")[:1]
    # The payer's account by its person (unique), then one index-only step backwards down the
    # ledger's (account, created_at, id) INCLUDE (balance_after) index (by the account's id,
    # not through a join, which PostgreSQL plans as a sort of the account's entries).
    balance = (
        LedgerEntry.objects.filter(
            account_id=Subquery(account), created_at__lte=OuterRef("created_at")
        )
        .order_by("-created_at", "-id")
        .values("balance_after")[:1]
    )
    rows = Settlement.objects.filter(
        person_id__gte=lo,
        person_id__lte=hi,
        status=Settlement.Status.SETTLED,
        policy_version__region_id__in=scope.region_ids,
        visit_date__gte=scope.warm_from,
        visit_date__lte=scope.end,
    ).annotate(balance_before=_Balance(balance))
    if not connection.features.supports_json_field_contains:
        rows = rows.annotate(explanation_text=Cast("explanation", TextField()))
    return (
        rows.annotate(
            capped=Case(
                When(_capped(), then=Value(True)), default=Value(False), output_field=BooleanField()
            )  # fmt: skip
        )
        .order_by("person_id", "id")
        .values_list(*ROW_FIELDS, named=True)
    )


def _refusal(exc: DomainError) -> tuple[str, str, str]:
    if isinstance(exc, UnsetParameter):
        return exc.parameter, exc.article, exc.message
    return exc.field or exc.code, "", exc.message


def _settle(request, facts, policy_of, rows, available):
    """One claim through the settlement's code: (plan, breakdown)."""
    plan = claim_plan(request, facts, policy_of, validate=False)
    ytd = plan.year_to_date(rows)
    account = (0, available) if available is not None else None
    b = calculator.settle(plan.claim, plan.person, ytd, claim_balances(plan, account), plan.policy)
    for bucket, (deductible, pooled) in claim_moves(
        plan.deductible_bucket, plan.pool_bucket, b.deductible_applied, b.pool_paid,
        b.pool_above_cap,
    ).items():  # fmt: skip
        row = rows.setdefault(bucket, [0, ZERO, ZERO])
        row[1] += deductible
        row[2] += pooled
    return plan, b


def _age_bands(birth: date, first: date, last: date) -> list[tuple[date, str]]:
    """A person's age band from each birthday in [first, last] on (ascending start days)."""
    changes = [(first, age_band(birth, first))]
    for year in range(first.year, last.year + 1):
        try:
            birthday = birth.replace(year=year)
        except ValueError:  # 29 February: the age changes on 1 March
            birthday = date(year, 3, 1)
        if first < birthday <= last:
            band = age_band(birth, birthday)
            if band != changes[-1][1]:
                changes.append((birthday, band))
    return changes


def replay_chunk(scope: Scope, lo: int, hi: int, heartbeat=None) -> Aggregate:
    """Replay the chunk [lo, hi] of persons (see the module docstring)."""
    if connection.vendor == "postgresql":
        # The chunk's queries are planned costly enough for PostgreSQL's JIT, whose compilation
        # (about 0.3 s a query, measured) costs more than it saves on these index reads.
        with connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        try:
            return _replay_chunk(scope, lo, hi, heartbeat)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET jit")
    return _replay_chunk(scope, lo, hi, heartbeat)


def _replay_chunk(scope: Scope, lo: int, hi: int, heartbeat=None) -> Aggregate:
    tree = Tree(scope.draft)
    facts_of = ChunkFacts(lo, hi, scope.region_ids)
    agg = Aggregate()
    # (year, month, benefit, level, rate class, age band) -> [actual sums, draft sums, refused]:
    # two additions a claim; the totals and the five breakdowns are added up from these cells.
    cells: dict[tuple, list] = {}
    delta: dict[int, Decimal] = {}  # payer -> draft balance minus actual balance
    draft_policy, start, sample = tree.draft_policy, scope.start, scope.sample_per_chunk
    person_of, request_of, facts_for = facts_of.person, facts_of.request, facts_of.facts
    accounts, has_account = facts_of.accounts, facts_of.has_account
    claims_counted = 0
    beat = time.monotonic()
    for person_id, claims in groupby(settlements(scope, lo, hi).iterator(2000), key=_person_id):
        person = person_of(person_id)
        check = agg.sample < sample
        draft_rows: dict = {}
        actual_rows: dict = {}
        year = None
        # Own burden (actual, draft) over the claims settled both ways; a cap reached.
        burden_actual = burden_draft = ZERO
        compared = capped_actual = capped_draft = False
        bands = None
        for row in claims:
            visit = row.visit_date
            if visit.year != year:
                year, draft_rows, actual_rows = visit.year, {}, {}
            holder_id = row.account_holder_id
            holder = person_of(holder_id) if holder_id else None
            request = request_of(row, person, holder)
            payer = holder_id or person_id
            stored_paid = row.account_paid + row.family_account_paid
            actual_balance = (
                (row.balance_before or ZERO)
                if row.use_account and (payer in accounts or has_account(payer))
                else None
            )
            draft_balance = (
                actual_balance + delta.get(payer, ZERO) if actual_balance is not None else None
            )
            try:
                plan, b = _settle(request, facts_for(row, person, holder, tree, True),
                                  draft_policy, draft_rows, draft_balance)  # fmt: skip
                refused = None
                draft_paid = b.account_paid + b.family_account_paid
            except DomainError as exc:
                plan, b, refused = None, None, _refusal(exc)
                draft_paid = ZERO
            if draft_paid != stored_paid:
                delta[payer] = delta.get(payer, ZERO) + stored_paid - draft_paid
            counted = visit >= start
            if check:
                _check(agg, row, request, facts_for(row, person, holder, tree, False),
                       actual_rows, actual_balance, counted)  # fmt: skip
            if not counted:
                continue
            claims_counted += 1
            if bands is None:
                bands = _age_bands(person.birth_date, start, scope.end)
            if len(bands) == 1:
                band = bands[0][1]
            else:
                band = bands[0][1]
                for day, name in bands:
                    if visit >= day:
                        band = name
            key = (
                visit.year,
                visit.month,
                row.benefit,
                row.institution_level or "ungraded",
                plan.person.rate_class if plan is not None else row.patient_category,
                band,
            )
            cell = cells.get(key)
            if cell is None:
                cell = cells[key] = [_sums(), _sums(), 0]
            cash = row.cash_paid
            sums = cell[0]
            sums[0] += 1
            sums[1] += row.total_amount
            sums[2] += row.pool_paid
            sums[3] += row.account_paid
            sums[4] += row.family_account_paid
            sums[5] += cash
            if row.capped:
                capped_actual = True
            if refused is None:
                sums = cell[1]
                sums[0] += 1
                sums[1] += b.total_amount
                sums[2] += b.pool_paid
                sums[3] += b.account_paid
                sums[4] += b.family_account_paid
                sums[5] += b.cash_paid
                compared = True
                burden_actual += stored_paid + cash
                burden_draft += draft_paid + b.cash_paid
                # A cap line is written only where the claim has a cap (``b.cap``).
                if not capped_draft and b.cap is not None:
                    capped_draft = any(line.step == "cap" for line in b.explanation)
            else:
                cell[2] += 1
                entry = agg.refused.setdefault(refused[0], [refused[1], refused[2], 0])
                entry[2] += 1
        if compared:
            difference = burden_draft - burden_actual
            agg.buckets[bucket_of(difference)] += 1
            if difference < 0:
                agg.persons_better += 1
                agg.total_better -= difference
            elif difference > 0:
                agg.persons_worse += 1
                agg.total_worse += difference
        if capped_draft and not capped_actual:
            agg.newly_at_cap += 1
        if heartbeat is not None and time.monotonic() - beat > HEARTBEAT_EVERY:
            beat = time.monotonic()
            heartbeat()
    agg.claims += claims_counted
    for (y, m, benefit, level, rate_class, band), (actual, drafted, refused_n) in cells.items():
        _merge_sums(agg.actual, actual)
        _merge_sums(agg.draft, drafted)
        agg.refused_claims += refused_n
        for name, key in (("month", f"{y:04d}-{m:02d}"), ("benefit", benefit), ("level", level),
                          ("rate_class", rate_class), ("age_band", band)):  # fmt: skip
            dim = agg.dim(name, key)
            _merge_sums(dim[0], actual)
            _merge_sums(dim[1], drafted)
            dim[2] += refused_n
    credit_chunk(scope, lo, hi, tree, agg)
    return agg


def _check(agg: Aggregate, row, request, plain, rows: dict, balance, counted: bool) -> None:
    """The exact check of one sampled claim: replayed under the versions in force, does it
    give back the stored figures?"""
    try:
        _plan, replayed = _settle(request, plain, policy_of_rows, rows, balance)
        problem = None
    except DomainError as exc:
        replayed, problem = None, exc.message
    if not counted:
        return
    agg.sample += 1
    wrong = [
        name
        for name in CHECKED
        if replayed is None or getattr(replayed, name) != getattr(row, name)
    ]
    if replayed is not None and replayed.pool_above_cap != row.pool_paid_above_cap:
        wrong.append("pool_paid_above_cap")
    if not wrong:
        agg.matched += 1
    elif len(agg.mismatches) < MAX_MISMATCHES:
        agg.mismatches.append(
            {
                "settlement": row.id,
                "claim_number": row.claim_number,
                "fields": wrong,
                "stored": {n: f"{getattr(row, n):.2f}" for n in CHECKED},
                "replayed": (
                    {n: f"{getattr(replayed, n):.2f}" for n in CHECKED}
                    if replayed is not None
                    else {"refused": problem}
                ),
            }
        )


def _person_id(row) -> int:
    return row.person_id


# --- Crediting -----------------------------------------------------------------------------------


def months_of(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def credit_chunk(scope: Scope, lo: int, hi: int, tree: Tree, agg: Aggregate) -> None:
    """The monthly credits of the chunk's accounts in the period, actual vs the draft's: a
    retiree's monthly amount from the draft's retiree method (``accounts.rules.retiree_bands``,
    the crediting run's own rule) and an employee's ``round(base × employee_rate, 2)``. The
    accounts credited are those actually credited; an unset draft value is reported."""
    documents: dict[tuple, dict | DomainError] = {}
    regions = {r.pk: r for r in Region.objects.filter(pk__in=scope.region_ids)}

    def document(region_id: int, first: date):
        key = (region_id, first)
        if key not in documents:
            try:
                documents[key] = effective_policy(
                    region=regions[region_id], on_date=first, extra=tree.draft_as_version
                ).document
            except DomainError as exc:
                documents[key] = exc
        return documents[key]

    entries = (
        LedgerEntry.objects.filter(
            kind__in=("retiree_credit", "payroll_credit"),
            period__in=months_of(scope.start, scope.end),
            account__person_id__gte=lo,
            account__person_id__lte=hi,
            account__person__region_id__in=scope.region_ids,
        )
        .order_by("account_id", "id")
        .values_list(
            "kind",
            "amount",
            "period",
            "contribution_base",
            "account__person__region_id",
            "account__person__birth_date",
            "account__person__employment",
        )  # fmt: skip
    )
    rules: dict[tuple, object] = {}

    def rule(kind: str, region_id: int, period: str):
        """The draft's employee rate or retiree bands for the month (or the refusal): read
        once per kind, region and month, not per credit."""
        first = date(int(period[:4]), int(period[5:7]), 1)
        doc = document(region_id, first)
        if isinstance(doc, DomainError):
            return _refusal(doc)
        region = regions[region_id].name
        try:
            if kind == "payroll_credit":
                return require_decimal(doc, "account.employee_rate", region=region)
            return retiree_bands(doc, first, region=region)
        except DomainError as exc:
            return _refusal(exc)

    for kind, amount, period, base, region_id, birth, employment in entries.iterator(2000):
        key = (kind, region_id, period)
        found = rules.get(key)
        if found is None:
            found = rules[key] = rule(kind, region_id, period)
        if isinstance(found, tuple):
            parameter, _article, message = found
            entry = agg.credit_refused.setdefault(parameter, [message, 0])
            entry[1] += 1
            draft_amount = None
        elif kind == "payroll_credit":
            draft_amount = credit_money((base or ZERO) * found)
        else:
            draft_amount = _retiree_amount(found, birth, employment)
        month = agg.credit_months.setdefault(period, [ZERO, ZERO, 0])
        month[0] += amount
        month[1] += draft_amount or ZERO
        month[2] += 1


def _retiree_amount(bands, birth: date, employment: str) -> Decimal:
    flexible = [b for b in bands if b.flexible]
    if employment == "flexible" and flexible:
        return flexible[0].monthly
    for band in bands:
        if band.flexible:
            continue
        if (band.born_after is None or birth > band.born_after) and (
            band.born_on_or_before is None or birth <= band.born_on_or_before
        ):
            return band.monthly
    return ZERO
