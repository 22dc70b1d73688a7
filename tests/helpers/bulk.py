"""Fast creation of many persons with accounts (for fault tests and benchmarks)."""

from datetime import date, timedelta

from accounts.models import PersonalAccount
from enrollment.id_numbers import make
from enrollment.models import Person


def bulk_retirees(
    region, count: int, *, place: str = "420102", employment="employer", batch: int = 5000
) -> int:
    """``count`` retirees (retired 2015-06-30) with empty accounts, in ``region``."""
    created = 0
    day = date(1940, 1, 1)
    seq = 0
    while created < count:
        persons = []
        for _ in range(min(batch, count - created)):
            seq += 1
            if seq > 999:
                seq, day = 1, day + timedelta(days=1)
            number = make(place, day, seq)
            persons.append(
                Person(
                    id_number=number,
                    name="退休职工",
                    region=region,
                    scheme="employee",
                    category="retiree",
                    employment=employment,
                    retirement_date=date(2015, 6, 30),
                    benefits_from=date(2015, 7, 1),
                    status="active",
                    birth_date=day,
                    gender="male" if seq % 2 else "female",
                )
            )
        Person.objects.bulk_create(persons)
        ids = Person.objects.filter(id_number__in=[p.id_number for p in persons]).values_list(
            "id", flat=True
        )
        PersonalAccount.objects.bulk_create([PersonalAccount(person_id=pk) for pk in ids])
        created += len(persons)
    return created


def bulk_employees(employer, count: int) -> list[tuple[str, str]]:
    """``count`` employees of ``employer`` (in its region) with empty accounts; each one's
    (ID number, contribution base), bases spread from 4000.00 to 23999.99."""
    out, batch = [], []
    day, seq = date(1970, 1, 1), 0
    for i in range(count):
        seq += 1
        if seq > 999:
            seq, day = 1, day + timedelta(days=1)
        number, base = make("420102", day, seq), f"{4000 + i % 20000}.{i % 100:02d}"
        out.append((number, base))
        batch.append(
            Person(
                id_number=number,
                name="职工",
                region=employer.region,
                scheme="employee",
                category="employee",
                employment="employer",
                employer=employer,
                contribution_base=base,
                status="active",
                birth_date=day,
                gender="male",
                benefits_from=date(2022, 1, 1),
            )
        )
        if len(batch) == 10_000 or i == count - 1:
            Person.objects.bulk_create(batch, batch_size=5000)
            batch = []
    ids = Person.objects.filter(employer=employer).values_list("id", flat=True)
    PersonalAccount.objects.bulk_create(
        [PersonalAccount(person_id=pk) for pk in ids.iterator()], batch_size=5000
    )
    return out
