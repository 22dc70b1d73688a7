"""Fast creation of many persons with accounts (for fault tests and benchmarks)."""

from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

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
    (ID number, contribution base), bases spread from 4000.00 to 23999.99. On PostgreSQL the
    rows go in by ``COPY`` and the accounts by one ``INSERT … SELECT`` (200,000 persons in
    seconds, not a minute of model instances); elsewhere by ``bulk_create``."""
    out = []
    day, seq = date(1970, 1, 1), 0
    for i in range(count):
        seq += 1
        if seq > 999:
            seq, day = 1, day + timedelta(days=1)
        out.append((make("420102", day, seq), f"{4000 + i % 20000}.{i % 100:02d}", day))
    if connection.vendor == "postgresql":
        _copy_employees(employer, out)
    else:
        _create_employees(employer, out)
    return [(number, base) for number, base, _day in out]


_EMPLOYEE = {
    "name": "职工",
    "name_initials": "zg",
    "scheme": "employee",
    "category": "employee",
    "employment": "employer",
    "status": "active",
    "gender": "male",
    "benefits_from": date(2022, 1, 1),
}


def _create_employees(employer, rows) -> None:
    for start in range(0, len(rows), 10_000):
        Person.objects.bulk_create(
            [
                Person(
                    id_number=number,
                    region=employer.region,
                    employer=employer,
                    contribution_base=base,
                    birth_date=day,
                    **_EMPLOYEE,
                )
                for number, base, day in rows[start : start + 10_000]
            ],
            batch_size=5000,
        )
    ids = Person.objects.filter(employer=employer).values_list("id", flat=True)
    PersonalAccount.objects.bulk_create(
        [PersonalAccount(person_id=pk) for pk in ids.iterator()], batch_size=5000
    )


def _copy_employees(employer, rows) -> None:
    now = timezone.now()
    rule_group = Person._meta.get_field("rule_group").get_default()
    fixed = {**_EMPLOYEE, "rule_group": rule_group, "created_at": now, "updated_at": now}
    columns = ["id_number", "region_id", "employer_id", "contribution_base", "birth_date", *fixed]
    person, account = Person._meta.db_table, PersonalAccount._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {person} ({', '.join(columns)}) FROM STDIN") as copy:
            for number, base, day in rows:
                copy.write_row(
                    (number, employer.region_id, employer.pk, base, day, *fixed.values())
                )
        cursor.execute(
            f"INSERT INTO {account} (person_id, balance, opened_at)"  # noqa: S608 (model tables)
            f" SELECT id, 0, %s FROM {person} WHERE employer_id = %s",
            [now, employer.pk],
        )
