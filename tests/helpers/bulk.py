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
