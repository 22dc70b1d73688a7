from datetime import date

import pytest

from enrollment.id_numbers import make
from enrollment.models import Employer, Person
from enrollment.services import employer_create, person_create
from policies.models import Region
from policies.services import policies_load_seeds


@pytest.fixture
def regions(db):
    policies_load_seeds()
    return {r.code: r for r in Region.objects.all()}


_seq = iter(range(100, 999))


def register(
    regions,
    code,
    *,
    birth=date(1960, 1, 1),
    category="retiree",
    retired=date(2020, 5, 31),
    employment="employer",
    employer=None,
    base=None,
    name="测试",
    scheme="employee",
):
    region = regions[code]
    if (
        employer is None
        and category == "employee"
        and employment == "employer"
        and scheme == "employee"
    ):
        employer = Employer.objects.filter(code=f"E{code}").first() or employer_create(
            code=f"E{code}", name=f"单位{code}", region=region
        )
    return person_create(
        id_number=make(code, birth, next(_seq)),
        name=name,
        region=region,
        scheme=scheme,
        category=category,
        employment=employment,
        employer=employer,
        contribution_base=base,
        retirement_date=retired if category == "retiree" else None,
        benefits_from=date(2022, 1, 1),
    )


@pytest.fixture
def person_factory(regions):
    def make_person(code, **kwargs) -> Person:
        return register(regions, code, **kwargs)

    return make_person
