"""Demo: family-sharing authorisations in three regions (one revoked), a carried-over balance
above Tibet's 3000.00 floor, and a residents' insurance premium paid for a child.

The relatives' claims paid from these accounts are made by ``claims/demo.py``."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from accounts.models import LedgerEntry, PersonalAccount
from accounts.services import ledger_post
from enrollment.id_numbers import make
from enrollment.models import Person

from .models import PremiumPayment, SharingAuthorisation
from .services import premium_pay, sharing_grant, sharing_revoke

# (holder, member, relation, proof kind, proof number)
GRANTS = [
    (("540102", date(1983, 4, 4), 28), ("540102", date(2015, 1, 1), 71), "child",
     "household_register", "540102-0428"),  # 次仁卓玛 → 次旦
    (("530402", date(1980, 12, 25), 46), ("530402", date(2010, 10, 10), 84), "child",
     "birth_certificate", "Q530402-1010"),  # 马丽 → 马晓燕
    (("150203", date(1975, 6, 1), 13), ("150204", date(1955, 3, 9), 24), "parent",
     "household_register", "150203-0601"),  # 黄磊 → 吴秀兰
    (("420102", date(1978, 4, 12), 31), ("420102", date(2012, 6, 1), 62), "child",
     "household_register", "420102-0412"),  # 张伟 → 张小雨
    (("540102", date(1983, 4, 4), 28), ("540102", date(1957, 9, 9), 17), "parent",
     "household_register", "540102-0909"),  # 次仁卓玛 → 格桑 (revoked below)
]  # fmt: skip


def _person(key) -> Person:
    return Person.objects.get(id_number=make(*key))


def load(stdout) -> None:
    start = date(timezone.localdate().year, 1, 1)
    made = 0
    for holder_key, member_key, relation, proof_kind, proof_number in GRANTS:
        holder, member = _person(holder_key), _person(member_key)
        if SharingAuthorisation.objects.filter(holder=holder, member=member).exists():
            continue
        sharing_grant(
            holder=holder,
            member=member,
            relation=relation,
            proof_kind=proof_kind,
            proof_number=proof_number,
            valid_from=start,
        )
        made += 1
    tsering = _person(GRANTS[0][0])
    revoked = SharingAuthorisation.objects.filter(
        holder=tsering, member=_person(GRANTS[4][1]), status="active"
    ).first()
    if revoked and made:
        sharing_revoke(authorisation=revoked, reason="持卡人申请取消共济")
    # A balance carried over from the old system, so Tibet's 3000.00 floor can be seen at work.
    account = PersonalAccount.objects.get(person=tsering)
    # The reference is a reader's words (the statement shows it): no code to label.
    carried = LedgerEntry.objects.filter(
        account=account, reference__in=("原系统余额结转", "demo:carry-over")
    )
    if not carried.exists():
        ledger_post(
            account_id=account.pk,
            kind="adjustment",
            amount=Decimal("4200.00"),
            reference="原系统余额结转",
            memo="原系统个人账户余额结转",
        )
    child = SharingAuthorisation.objects.get(holder=tsering, member=_person(GRANTS[0][1]))
    year = timezone.localdate().year
    if not PremiumPayment.objects.filter(member=child.member, year=year).exists():
        premium_pay(
            authorisation=child, kind="resident_insurance", year=year, amount=Decimal("380.00")
        )
    stdout.write(
        f"Family sharing: {made} authorisations (次仁卓玛→格桑 revoked); 次旦's residents' "
        "insurance paid from 次仁卓玛's account."
    )
