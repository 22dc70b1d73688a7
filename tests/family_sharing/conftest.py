from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import account_open, ledger_post
from family_sharing.services import sharing_grant
from policies.models import Region
from policies.services import policies_load_seeds
from tests.factories import (
    EmployerFactory,
    InstitutionFactory,
    PersonFactory,
    UserFactory,
    id_number,
)


class Family:
    """Persons, accounts and institutions in the seeded regions, made on demand."""

    def __init__(self):
        policies_load_seeds()
        self.regions = {r.code: r for r in Region.objects.all()}
        self._employers = {}

    def employee(self, code="540000", balance="0.00", name="扎西", **kwargs):
        region = self.regions[code]
        if code not in self._employers:
            self._employers[code] = EmployerFactory(code=f"E{code}", region=region)
        person = PersonFactory(
            id_number=id_number(place=code),
            name=name,
            region=region,
            employer=self._employers[code],
            benefits_from=date(2022, 1, 1),
            **kwargs,
        )
        account = account_open(person=person)
        if D(balance):
            ledger_post(account_id=account.pk, kind="adjustment", amount=D(balance))
        return person

    def resident(self, code="540000", name="卓玛"):
        return PersonFactory(
            id_number=id_number(place=code, birth=date(1995, 6, 1)),
            name=name,
            region=self.regions[code],
            employer=None,
            scheme="resident",
            contribution_base=None,
        )

    def hospital(self, code="540000", level="1"):
        return InstitutionFactory(
            code=f"H{code}{level}", region=self.regions[code], level=level, kind="hospital"
        )

    def grant(self, holder, member, relation="spouse", **kwargs):
        return sharing_grant(
            holder=holder,
            member=member,
            relation=relation,
            proof_kind="household_register",
            proof_number="HR-1",
            valid_from=kwargs.pop("valid_from", date(2026, 1, 1)),
            **kwargs,
        )


@pytest.fixture
def family(db):
    return Family()


def api_client(*roles, institution=None):
    user = UserFactory(roles=list(roles))
    if institution is not None:
        from enrollment.models import InstitutionUser

        InstitutionUser.objects.create(user=user, institution=institution)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client
