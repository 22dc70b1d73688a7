"""Writes for family sharing: grant and revoke authorisations, pay a relative's premium.

Shared claim payments are made by the settlement service (``claims.settlement``), which reads
the authorisation and the holder's floor through ``selectors`` and ``rules``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.locks import lock_accounts_of
from accounts.models import LedgerEntry, PersonalAccount
from accounts.rules import has_account
from enrollment.models import Person
from staff import audit
from staff.errors import Conflict, DomainError
from staff.numbers import format_money

from .models import PremiumPayment, SharingAuthorisation
from .rules import check_premium_kind, check_premium_region, check_province, check_relation
from .selectors import sharing_policy


def _save(authorisation: SharingAuthorisation, actor) -> None:
    authorisation._history_user = actor
    authorisation.save()


@transaction.atomic
def sharing_grant(
    *,
    holder: Person,
    member: Person,
    relation: str,
    proof_kind: str,
    proof_number: str,
    valid_from: date | None = None,
    valid_to: date | None = None,
    actor=None,
) -> SharingAuthorisation:
    """授权: let ``member`` (a spouse, parent or child) pay from ``holder``'s personal account."""
    valid_from = valid_from or timezone.localdate()
    if holder.pk == member.pk:
        raise DomainError(_("A person cannot share an account with themselves."), field="member")
    if valid_to is not None and valid_to < valid_from:
        raise DomainError(_("valid_to is before valid_from."), field="valid_to")
    if not (proof_number or "").strip():
        raise DomainError(
            _("Record the number of the document that proves the relation."), field="proof"
        )
    policy = sharing_policy(holder=holder, on=valid_from)
    # The account must exist and the document must give this person one: an account kept
    # from before a change to an employment without one (account.no_account) is not shared.
    entitled = has_account(
        scheme=holder.scheme,
        employment=holder.employment,
        category=holder.category,
        document=policy.document,
    )
    if not entitled or not PersonalAccount.objects.filter(person=holder).exists():
        raise DomainError(
            _(
                "Only an employee-scheme person with a personal account can share it "
                "(%(cite)s); %(name)s has none."
            )
            % {"cite": policy.cite("relations"), "name": holder.name},
            field="holder",
        )
    check_relation(policy, relation)
    check_province(
        policy, holder.region.code, member.region.code, member_region_name=member.region.name
    )
    authorisation = SharingAuthorisation(
        holder=holder,
        member=member,
        relation=relation,
        proof_kind=proof_kind,
        proof_number=proof_number.strip()[:64],
        valid_from=valid_from,
        valid_to=valid_to,
        granted_by=actor,
    )
    try:
        with transaction.atomic():
            _save(authorisation, actor)
    except IntegrityError:
        raise Conflict(
            _("%(holder)s already shares the account with %(member)s (an active authorisation).")
            % {"holder": holder.name, "member": member.name},
            field="member",
        ) from None
    return authorisation


@transaction.atomic
def sharing_revoke(
    *, authorisation: SharingAuthorisation, reason: str, actor=None
) -> SharingAuthorisation:
    """撤销授权: from now on the member can no longer pay from the holder's account."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for revoking."), field="reason")
    locked = SharingAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
    if locked.status != SharingAuthorisation.Status.ACTIVE:
        raise Conflict(_("This authorisation has already been revoked."))
    today = timezone.localdate()
    locked.status = SharingAuthorisation.Status.REVOKED
    locked.revoked_by = actor
    locked.revoked_at = timezone.now()
    locked.reason = reason.strip()[:200]
    if locked.valid_to is None or locked.valid_to > today:
        locked.valid_to = max(today, locked.valid_from)
    _save(locked, actor)
    return locked


@transaction.atomic
def premium_pay(
    *,
    authorisation: SharingAuthorisation,
    kind: str,
    year: int,
    amount: Decimal,
    actor=None,
) -> PremiumPayment:
    """代缴: pay a relative's premium (e.g. residents' insurance) from the holder's account.

    The kind must be one the holder's policy names and none it forbids; the holder keeps the
    region's floor; a member's premium of one kind is paid once a year."""
    today = timezone.localdate()
    if amount <= 0 or amount.as_tuple().exponent < -2:
        raise DomainError(
            _("The amount must be positive with at most two decimal places."), field="amount"
        )
    if year not in (today.year, today.year + 1):
        raise DomainError(
            _("Premiums are paid for this year or the next (%(a)s or %(b)s).")
            % {"a": today.year, "b": today.year + 1},
            field="year",
        )
    holder, member = authorisation.holder, authorisation.member
    policy = sharing_policy(holder=holder, on=today)
    check_premium_kind(policy, kind)
    check_premium_region(policy, holder.region, member.region)
    if kind == PremiumPayment.Kind.RESIDENT_INSURANCE and member.scheme != "resident":
        raise DomainError(
            _("%(name)s is insured under the employee scheme; residents' insurance is not due.")
            % {"name": member.name},
            field="kind",
        )
    floor = policy.floor()
    # Lock order as in settlements: the authorisation (a revoke waits), then the account.
    current = SharingAuthorisation.objects.select_for_update().get(pk=authorisation.pk)
    if not current.covers(today):
        raise DomainError(
            _("The authorisation is not active today; nothing can be paid under it."),
            field="authorisation",
        )
    account = lock_accounts_of([holder.pk]).get(holder.pk)
    if account is None or account.balance - amount < floor:
        balance = account.balance if account else Decimal("0.00")
        raise DomainError(
            _(
                "The holder's account holds %(balance)s and must keep %(floor)s (%(cite)s); "
                "%(amount)s cannot be paid from it."
            )
            # Money as every page shows it (持卡人账户余额 3,000.00, not 3000.00).
            % {
                "balance": format_money(balance),
                "floor": format_money(floor),
                "cite": policy.cite("min_residual_balance"),
                "amount": format_money(amount),
            },
            field="amount",
        )
    if PremiumPayment.objects.filter(member=member, kind=kind, year=year).exists():
        raise Conflict(
            _("%(name)s's %(kind)s premium for %(year)s is already paid.")
            % {"name": member.name, "kind": PremiumPayment.Kind(kind).label, "year": year},
            field="kind",
        )
    account.balance -= amount
    entry = LedgerEntry.objects.create(
        account=account,
        kind=LedgerEntry.Kind.PREMIUM_DEBIT,
        amount=-amount,
        balance_after=account.balance,
        reference=f"premium:{member.pk}:{kind}:{year}",
        memo=f"代缴 {member.name} {PremiumPayment.Kind(kind).label} {year}"[:200],
        member=member,
        sharing_authorisation=current,
        created_by=actor,
    )
    account.save(update_fields=["balance"])
    try:
        with transaction.atomic():
            payment = PremiumPayment.objects.create(
                authorisation=current,
                member=member,
                kind=kind,
                year=year,
                amount=amount,
                ledger_entry=entry,
                created_by=actor,
            )
    except IntegrityError:
        # Two payments for the same premium at once (by two holders): the index decides.
        raise Conflict(
            _("%(name)s's premium for %(year)s is already paid.")
            % {"name": member.name, "year": year},
            field="kind",
        ) from None
    audit.record(
        action="family_sharing.premiumpayment.create",
        obj=payment,
        person_id=holder.pk,
        other_person_id=member.pk,
        amount=-amount,
        summary=entry.memo,
        changes={"balance": [account.balance + amount, account.balance], "entry": entry.pk},
        actor=actor,
    )
    return payment
