"""Demo: an institution API user, certifications, and a few settlements (one reversed)."""

import secrets
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from enrollment.id_numbers import make
from enrollment.models import Employer, Institution, InstitutionUser, Person

from .models import ChronicCertification, Settlement
from .services import certification_apply, certification_approve
from .settlement import ClaimRequest, settlement_create, settlement_reverse


def load(stdout) -> None:
    User = get_user_model()
    union = Institution.objects.get(code="H420100-3")
    user, created = User.objects.get_or_create(
        username="hospital", defaults={"last_name": "协和医院", "first_name": "接口"}
    )
    user.groups.add(Group.objects.get(name="institution"))
    InstitutionUser.objects.get_or_create(user=user, defaults={"institution": union})
    if created:
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.save(update_fields=["password"])
        stdout.write(f"  hospital       {password:<14} institution API user of {union.name}")
    li = Person.objects.get(id_number=make("530402", date(1956, 2, 2), 19))  # 李德明, Yuxi
    if not ChronicCertification.objects.filter(person=li).exists():
        for code in ("I10", "E11"):
            certification_approve(
                certification=certification_apply(
                    person=li, disease_code=code, valid_from=date(2026, 1, 1)
                )
            )
    zhang = Person.objects.get(id_number=make("420102", date(1978, 4, 12), 31))  # 张伟, Wuhan
    liu = Person.objects.get(id_number=make("420106", date(1958, 1, 20), 15))  # 刘洋, retiree
    community = Institution.objects.get(code="H420100-1")
    day = timezone.localdate() - timedelta(days=10)
    claims = [
        ("DEMO-1", zhang, community, "1200.00", "general_outpatient", ""),
        ("DEMO-2", zhang, union, "860.00", "general_outpatient", ""),
        (
            "DEMO-3",
            liu,
            Institution.objects.get(code="H420100-2"),
            "950.00",
            "general_outpatient",
            "",
        ),
        ("DEMO-4", li, Institution.objects.get(code="H530400-1"), "1500.00", "chronic", "E11"),
    ]
    # Relatives' claims paid from a holder's account (家庭共济), see family_sharing/demo.py.
    shared = [
        ("DEMO-5", ("540102", date(2015, 1, 1), 71), ("540102", date(1983, 4, 4), 28),
         "H540000-2", "1500.00"),  # 次旦 at 拉萨市人民医院, from 次仁卓玛's account (floor 3000)
        ("DEMO-6", ("150204", date(1955, 3, 9), 24), ("150203", date(1975, 6, 1), 13),
         "H150200-1", "1860.00"),  # 吴秀兰, her pooled part, then 黄磊's account
    ]  # fmt: skip
    made = 0
    for number, person, institution, total, benefit, disease in claims:
        if Settlement.objects.filter(claim_number=number).exists():
            continue
        settlement_create(
            request=ClaimRequest(
                claim_number=number,
                person=person,
                institution=institution,
                visit_date=day,
                benefit=benefit,
                total_amount=Decimal(total),
                disease_code=disease,
            )
        )
        made += 1
    for number, member, holder, institution, total in shared:
        if Settlement.objects.filter(claim_number=number).exists():
            continue
        settlement_create(
            request=ClaimRequest(
                claim_number=number,
                person=Person.objects.get(id_number=make(*member)),
                institution=Institution.objects.get(code=institution),
                visit_date=day,
                benefit="general_outpatient",
                total_amount=Decimal(total),
                account_holder=Person.objects.get(id_number=make(*holder)),
            )
        )
        made += 1
    made += _chengdu(day)
    demo2 = Settlement.objects.filter(claim_number="DEMO-2", status="settled").first()
    if demo2 and made:
        settlement_reverse(settlement=demo2)
    stdout.write(
        f"Claims: {made} settlements created (DEMO-2 reversed, DEMO-5/6 from relatives' "
        "accounts, DEMO-7 a Chengdu employee under Sichuan's framework and Chengdu's cap); "
        "李德明 has I10 and E11 certified."
    )
    asked = pending_reviews(zhang)
    if asked:
        stdout.write(f"Awaiting review (复核, for clerk2 or manager): {'; '.join(asked)}.")


DEMO_REVERSAL_REASON = "演示：发票重复录入，申请撤销"


def pending_reviews(zhang: Person) -> list[str]:
    """Two acts the demo clerk asked for and another user must review (经办/复核), once each:
    the reversal of DEMO-1 (1,200.00, above ``REVIEW_REVERSAL_ABOVE``) and the approval of
    张伟's I10 certification. Skipped when the settings hold no review, or once asked (whatever
    became of the request since)."""
    from staff.models import ReviewRequest

    from .reviews import (
        REVERSAL,
        SETTLEMENT_TYPE,
        certification_approval_request,
        certification_needs_review,
        reversal_needs_review,
        reversal_request,
    )

    clerk = get_user_model().objects.filter(username="clerk").first()
    if clerk is None:
        return []
    asked = []
    demo1 = Settlement.objects.filter(claim_number="DEMO-1").first()
    if (
        demo1 is not None
        and demo1.status == Settlement.Status.SETTLED
        and reversal_needs_review(settlement=demo1, user=clerk)
        and not ReviewRequest.objects.filter(
            kind=REVERSAL, object_type=SETTLEMENT_TYPE, object_id=str(demo1.pk)
        ).exists()
    ):
        reversal_request(settlement=demo1, actor=clerk, reason=DEMO_REVERSAL_REASON)
        asked.append("DEMO-1 reversal")
    if (
        certification_needs_review()
        and not ChronicCertification.objects.filter(person=zhang, disease__code="I10").exists()
    ):
        certification = certification_apply(
            person=zhang,
            disease_code="I10",
            valid_from=timezone.localdate().replace(month=1, day=1),
            actor=clerk,
        )
        certification_approval_request(
            certification=certification, actor=clerk, reason="演示：病历与诊断证明齐全"
        )
        asked.append("张伟's I10 certification")
    return asked


def _chengdu(day) -> int:
    """A Chengdu employee settling under Sichuan's framework and Chengdu's own annual cap
    (policies/demo.py): 川办发〔2021〕85号 第七条 gives the deductible and ratio, Chengdu the cap."""
    from accounts.services import account_open
    from enrollment.services import employer_create, institution_create, person_create
    from policies.models import Region

    if Settlement.objects.filter(claim_number="DEMO-7").exists():
        return 0
    chengdu = Region.objects.filter(code="510100").first()
    if chengdu is None:
        return 0
    employer = Employer.objects.filter(code="CD-0001").first() or employer_create(
        code="CD-0001", name="成都演示科技有限公司", region=chengdu
    )
    hospital = Institution.objects.filter(code="H510100-1").first() or institution_create(
        code="H510100-1",
        name="成都市锦江区演示社区卫生服务中心",
        region=chengdu,
        kind="hospital",
        level="1",
        designated=True,
    )
    number = make("510104", date(1988, 8, 8), 27)
    person = Person.objects.filter(id_number=number).first() or person_create(
        id_number=number,
        name="杨帆",
        region=chengdu,
        category="employee",
        employment="employer",
        employer=employer,
        contribution_base=Decimal("9000.00"),
        benefits_from=date(2022, 1, 1),
        # CD-0001 may be the Sichuan (510000) employer of the enrollment demo: registering a
        # 成都市 person with it is deliberate here, so it is confirmed as a clerk would.
        confirm_other_region=True,
    )
    account_open(person=person)
    settlement_create(
        request=ClaimRequest(
            claim_number="DEMO-7",
            person=person,
            institution=hospital,
            visit_date=day,
            benefit="general_outpatient",
            total_amount=Decimal("1200.00"),
        )
    )
    return 1
