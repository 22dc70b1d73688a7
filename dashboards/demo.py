"""Demo: a year of outpatient activity for the dashboards — forty more insured employees and
retirees across the seven regions, about four hundred settlements at their regions' designated
institutions over the last fourteen months (a few reversed), then the snapshots refreshed."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.services import account_open, ledger_post
from claims.models import Settlement
from claims.settlement import ClaimRequest, settlement_create, settlement_reverse
from enrollment.id_numbers import make
from enrollment.models import Employer, Institution, Person
from enrollment.services import person_create
from policies.models import Region
from staff.errors import DomainError

from .summaries import rebuild_all

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "志强", "桂兰", "海燕", "明", "丽娟", "伟", "红梅", "国庆", "晓东", "玉兰"]
PLACE = {
    "150200": "150203",
    "420100": "420103",
    "310000": "310101",
    "530400": "530402",
    "540000": "540102",
    "510000": "510104",
    "220000": "220104",
}
MARK = "DASH-"


def load(stdout) -> None:
    if Settlement.objects.filter(claim_number__startswith=MARK).exists():
        stdout.write("Dashboards: demo activity already loaded.")
        return
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    persons = []
    for n, (code, place) in enumerate(sorted(PLACE.items()) * 6):
        region = Region.objects.get(code=code)
        retiree = n % 4 == 3
        born = date(1955 if retiree else 1975 + n % 20, 1 + n % 12, 1 + n % 27)
        id_number = make(place, born, 500 + n)
        if Person.objects.filter(id_number=id_number).exists():
            continue
        person = person_create(
            id_number=id_number,
            name=SURNAMES[n % len(SURNAMES)] + GIVEN[n % len(GIVEN)],
            region=region,
            category="retiree" if retiree else "employee",
            employer=Employer.objects.filter(region=region).first(),
            contribution_base=Decimal(6000 + 250 * (n % 9)),
            retirement_date=date(2018, 6, 30) if retiree else None,
            benefits_from=date(2020, 1, 1),
        )
        account = account_open(person=person)
        if account is not None:
            ledger_post(
                account_id=account.pk,
                kind="adjustment",
                amount=Decimal(800 + 40 * (n % 30)),
                memo="上年结转",
            )
        persons.append(person)
    institutions: dict[int, list[Institution]] = {}
    for i in Institution.objects.filter(designated=True, kind="hospital"):
        institutions.setdefault(i.region_id, []).append(i)
    settled = []
    for n in range(420):
        person = rng.choice(persons)
        places = institutions.get(person.region_id)
        if not places:
            continue
        visit = today - timedelta(days=rng.randrange(0, 420))
        total = Decimal(rng.randrange(3000, 90000)) / 100
        try:
            s, _created = settlement_create(
                request=ClaimRequest(
                    claim_number=f"{MARK}{n:04d}",
                    person=person,
                    institution=rng.choice(places),
                    visit_date=visit,
                    benefit="general_outpatient",
                    total_amount=total,
                    self_pay_amount=(total * Decimal("0.1")).quantize(Decimal("0.01")),
                )
            )
            settled.append(s)
        except DomainError:
            continue  # e.g. a visit before the region's first policy version
    for s in settled[::37]:
        settlement_reverse(settlement=s)
    rebuild_all()
    stdout.write(
        f"Dashboards: {len(persons)} more persons, {len(settled)} settlements over 14 months."
    )
