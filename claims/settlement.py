"""The settlement service (结算): gather facts under row locks, call the pure calculator, write.

Locks are always taken in one order — the person's accumulators (by primary key), then
personal accounts (by primary key, through ``accounts.locks``) — so concurrent settlements and
reversals never deadlock each other; a deadlock or serialization failure that still happens
(e.g. against another kind of writer) is retried inside the service, never shown to a client.
A claim number is unique per institution: the same request again returns the original
settlement, a different request with that number is a conflict.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locks import lock_accounts_of
from accounts.models import LedgerEntry, PersonalAccount
from enrollment.models import InpatientStay, Institution, Person
from policies.models import PolicyVersion
from policies.selectors import policy_for
from staff.errors import Conflict, DomainError, NotFound

from . import calculator
from .models import Accumulator, Settlement
from .selectors import approved_certifications

RETRIES = 5


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
    out_of_region_filed: bool = False
    prescribing_institution: Institution | None = None
    use_account: bool = True
    account_holder: Person | None = None

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
            "out_of_region_filed": self.out_of_region_filed,
            "prescribing_institution": getattr(self.prescribing_institution, "pk", None),
            "use_account": self.use_account,
            "account_holder": getattr(self.account_holder, "pk", None),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _rate_class(person: Person, visit: date, document: dict) -> str:
    if person.category != "retiree" or not person.retirement_date or person.retirement_date > visit:
        return "employee"
    classes = (document.get("general_outpatient") or {}).get("ratio") or {}
    if "retiree_before_2001" in classes and person.retirement_date <= date(2000, 12, 31):
        return "retiree_before_2001"
    return "retiree"


def _facts(request: ClaimRequest, document: dict) -> calculator.Person:
    person, visit = request.person, request.visit_date
    approved = approved_certifications(person=person, on=visit)
    code = (request.disease_code or "").upper()
    return calculator.Person(
        rate_class=_rate_class(person, visit, document),
        scheme=person.scheme,
        status=person.status,
        in_waiting_period=bool(person.benefits_from and visit < person.benefits_from),
        in_inpatient_stay=any(s.covers(visit) for s in InpatientStay.objects.filter(person=person)),
        under_chronic_benefits=bool(approved),
        certified=any(
            c.disease.code == code and c.disease.kind == request.benefit for c in approved
        ),
        certified_chronic_diseases=sum(1 for c in approved if c.disease.kind == "chronic"),
    )


def _claim(request: ClaimRequest) -> calculator.Claim:
    institution = request.institution
    prescribing = request.prescribing_institution
    return calculator.Claim(
        benefit=request.benefit,
        total_amount=request.total_amount,
        self_pay_amount=request.self_pay_amount,
        class_b_amount=request.class_b_amount,
        disease_code=request.disease_code or None,
        visit_date=request.visit_date,
        institution_kind=institution.kind,
        institution_level=institution.level,
        prescribing_level=prescribing.level if prescribing else None,
        designated=institution.designated,
        out_of_region=institution.region_id != request.person.region_id,
        out_of_region_filed=request.out_of_region_filed,
        use_account=request.use_account,
        for_relative=request.account_holder is not None,
    )


def _policy(request: ClaimRequest) -> tuple[PolicyVersion, calculator.Policy]:
    try:
        version = policy_for(region=request.person.region, on_date=request.visit_date)
    except NotFound as exc:
        raise DomainError(exc.message, field="visit_date") from None
    source = version.source.split("《")[0].strip() or version.region.name
    return version, calculator.Policy(version.document, source, version.region.name)


def _buckets(request: ClaimRequest, policy: calculator.Policy) -> tuple[str, str]:
    """(deductible bucket, pooled bucket): Jilin counts the chronic deductible with general."""
    if request.benefit == "chronic" and policy.get("chronic.deductible_shared_with_general"):
        return "general_outpatient", "chronic"
    return request.benefit, request.benefit


def _validate(request: ClaimRequest) -> None:
    if request.account_holder is not None:
        raise DomainError(
            _(
                "Paying from a relative's account needs family-sharing authorisations, which "
                "this system does not record yet."
            ),
            field="account_holder",
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


def settlement_preview(*, request: ClaimRequest) -> calculator.Breakdown:
    """预结算: the same computation, nothing written or locked."""
    _validate(request)
    version, policy = _policy(request)
    deductible_bucket, pool_bucket = _buckets(request, policy)
    year = request.visit_date.year
    rows = {a.bucket: a for a in Accumulator.objects.filter(person=request.person, year=year)}
    ytd = calculator.YearToDate(
        deductible_used=getattr(rows.get(deductible_bucket), "deductible_used", Decimal("0")),
        pooled=getattr(rows.get(pool_bucket), "pooled", Decimal("0")),
    )
    account = PersonalAccount.objects.filter(person=request.person).first()
    balances = calculator.Balances(own_account=account.balance if account else None)
    return calculator.settle(
        _claim(request), _facts(request, version.document), ytd, balances, policy
    )


def _lock_accumulators(person: Person, year: int, buckets: set[str]) -> dict[str, Accumulator]:
    """Lock the person's accumulators for the year, creating the missing ones first."""

    def lock() -> dict[str, Accumulator]:
        locked = (
            Accumulator.objects.select_for_update()
            .filter(person=person, year=year, bucket__in=buckets)
            .order_by("pk")
        )
        return {a.bucket: a for a in locked}

    rows = lock()
    if set(rows) != buckets:
        for bucket in sorted(buckets - set(rows)):
            Accumulator.objects.get_or_create(person=person, year=year, bucket=bucket)
        rows = lock()
    return rows


def _accrue(
    accumulators: dict[str, Accumulator],
    deductible_bucket: str,
    pool_bucket: str,
    deductible: Decimal,
    pooled: Decimal,
) -> None:
    """Move the year-to-date figures; one UPDATE per changed row."""
    changed: dict[str, set[str]] = {}
    if deductible:
        accumulators[deductible_bucket].deductible_used += deductible
        changed.setdefault(deductible_bucket, set()).add("deductible_used")
    if pooled:
        accumulators[pool_bucket].pooled += pooled
        changed.setdefault(pool_bucket, set()).add("pooled")
    for bucket, fields in changed.items():
        accumulators[bucket].save(update_fields=sorted(fields))


def _retrying(fn):
    """Run ``fn`` in a transaction, again on deadlock or serialization failure."""
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                return fn()
        except OperationalError as exc:
            retryable = getattr(exc.__cause__, "sqlstate", None) in ("40001", "40P01") or (
                connection.vendor == "sqlite" and "locked" in str(exc)
            )
            if not retryable or attempt == RETRIES - 1:
                raise
            time.sleep(0.01 * (2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def settlement_create(*, request: ClaimRequest, actor=None) -> tuple[Settlement, bool]:
    """Settle a claim; returns (settlement, created). Same claim again → the original."""
    fingerprint = request.fingerprint()
    existing = Settlement.objects.filter(
        institution=request.institution, claim_number=request.claim_number
    ).first()
    if existing is not None:
        return _same_or_conflict(existing, fingerprint), False
    _validate(request)
    version, policy = _policy(request)
    deductible_bucket, pool_bucket = _buckets(request, policy)
    claim = _claim(request)
    facts = _facts(request, version.document)

    def write() -> Settlement:
        year = request.visit_date.year
        accumulators = _lock_accumulators(request.person, year, {deductible_bucket, pool_bucket})
        locked = lock_accounts_of([request.person.pk]).get(request.person.pk)
        ytd = calculator.YearToDate(
            deductible_used=accumulators[deductible_bucket].deductible_used,
            pooled=accumulators[pool_bucket].pooled,
        )
        balances = calculator.Balances(own_account=locked.balance if locked else None)
        b = calculator.settle(claim, facts, ytd, balances, policy)
        settlement = Settlement.objects.create(
            claim_number=request.claim_number,
            institution=request.institution,
            person=request.person,
            prescribing_institution=request.prescribing_institution,
            policy_version=version,
            visit_date=request.visit_date,
            benefit=request.benefit,
            disease_code=(request.disease_code or "").upper(),
            out_of_region_filed=request.out_of_region_filed,
            use_account=request.use_account,
            total_amount=b.total_amount,
            self_pay_amount=b.self_pay_amount,
            class_b_amount=request.class_b_amount,
            policy_amount=b.policy_amount,
            first_pay_amount=b.first_pay_amount,
            deductible_applied=b.deductible_applied,
            pool_paid=b.pool_paid,
            account_paid=b.account_paid,
            family_account_paid=b.family_account_paid,
            cash_paid=b.cash_paid,
            deductible_bucket=deductible_bucket,
            explanation=[line.as_dict() for line in b.explanation],
            request_hash=fingerprint,
            created_by=actor,
        )
        _accrue(accumulators, deductible_bucket, pool_bucket, b.deductible_applied, b.pool_paid)
        if b.account_paid:
            locked.balance -= b.account_paid
            LedgerEntry.objects.create(
                account=locked,
                kind="claim_debit",
                amount=-b.account_paid,
                balance_after=locked.balance,
                reference=f"settlement:{settlement.pk}",
                memo=f"{request.institution.name} {request.claim_number}"[:200],
                created_by=actor,
            )
            locked.save(update_fields=["balance"])
        return settlement

    try:
        return _retrying(write), True
    except IntegrityError:
        # The same claim number arrived twice at once: the unique index let one through.
        existing = Settlement.objects.filter(
            institution=request.institution, claim_number=request.claim_number
        ).first()
        if existing is None:
            raise
        return _same_or_conflict(existing, fingerprint), False


def _same_or_conflict(existing: Settlement, fingerprint: str) -> Settlement:
    if existing.request_hash != fingerprint:
        raise Conflict(
            _("Claim number %(n)s was already settled by this institution with different figures.")
            % {"n": existing.claim_number},
            field="claim_number",
        )
    return existing


def settlement_reverse(*, settlement: Settlement, actor=None) -> Settlement:
    """撤销: restore exactly what the settlement took (accumulators and account), once."""

    def write() -> Settlement:
        s = Settlement.objects.select_for_update().get(pk=settlement.pk)
        if s.status == Settlement.Status.REVERSED:
            raise Conflict(_("This settlement has already been reversed."))
        year = s.visit_date.year
        pool_bucket = s.benefit
        accumulators = _lock_accumulators(s.person, year, {s.deductible_bucket, pool_bucket})
        _accrue(accumulators, s.deductible_bucket, pool_bucket, -s.deductible_applied, -s.pool_paid)
        if s.account_paid:
            locked = lock_accounts_of([s.person_id])[s.person_id]
            locked.balance += s.account_paid
            LedgerEntry.objects.create(
                account=locked,
                kind="reversal",
                amount=s.account_paid,
                balance_after=locked.balance,
                reference=f"settlement:{s.pk}:reversal",
                memo=f"撤销 {s.claim_number}"[:200],
                created_by=actor,
            )
            locked.save(update_fields=["balance"])
        s.status = Settlement.Status.REVERSED
        s.reversed_by = actor
        s.reversed_at = timezone.now()
        s.save(update_fields=["status", "reversed_by", "reversed_at"])
        return s

    return _retrying(write)
