"""A HIS as the national platform's clients are written: it signs in, looks the patient up by
ID card, registers, uploads the visit and its fee lines, pre-settles, settles, reconciles."""

import itertools
import json
from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import account_open, ledger_post
from catalogue.demo import load as load_catalogue
from claims.services import certification_apply, certification_approve
from enrollment.models import InstitutionUser
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

_serial = itertools.count(1)


def api_client(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


class His:
    """One institution's HIS speaking to /api/hsa/."""

    def __init__(self, institution):
        self.institution = institution
        user = UserFactory(roles=["institution"])
        InstitutionUser.objects.create(user=user, institution=institution)
        self.client = api_client(user)
        self.rest = self.client  # the same token settles through /api/v1/claims/
        self.sign_no = ""
        self.last_msgid = ""

    def msgid(self) -> str:
        stamp = timezone.localtime().strftime("%Y%m%d%H%M%S")
        return f"{self.institution.code[:12]:0>12}{stamp}{next(_serial) % 10000:04d}"

    def envelope(self, infno, payload, msgid=None, insuplc=None, **extra):
        body = {
            "infno": infno,
            "msgid": msgid or self.msgid(),
            "mdtrtarea_admvs": self.institution.region.code,
            "insuplc_admdvs": insuplc or "",
            "recer_sys_code": "YBXT",
            "dev_no": "",
            "dev_safe_info": "",
            "cainfo": "",
            "signtype": "",
            "infver": "V1.0",
            "opter_type": "1",
            "opter": "0001",
            "opter_name": "收费员",
            "inf_time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
            "fixmedins_code": self.institution.code,
            "fixmedins_name": self.institution.name,
            "sign_no": self.sign_no,
            "input": payload,
        }
        body.update(extra)
        return body

    def post(self, body) -> dict:
        self.last_msgid = body.get("msgid", "")
        response = self.client.post(
            "/api/hsa/", json.dumps(body, ensure_ascii=False), content_type="application/json"
        )
        assert response.status_code == 200, response.content
        return response.json()

    def send(self, infno, payload, **kwargs) -> dict:
        return self.post(self.envelope(infno, payload, **kwargs))

    def ok(self, infno, payload, **kwargs):
        answer = self.send(infno, payload, **kwargs)
        assert answer["infcode"] == 0, answer["err_msg"]
        return answer["output"]

    def refused(self, infno, payload, **kwargs) -> str:
        answer = self.send(infno, payload, **kwargs)
        assert answer["infcode"] == -1 and answer["output"] is None, answer
        return answer["err_msg"]


def now_text(minutes_ago=60) -> str:
    return (timezone.localtime() - timedelta(minutes=minutes_ago)).strftime("%Y-%m-%d %H:%M:%S")


class World:
    def __init__(self):
        policies_load_seeds()
        load_catalogue()
        self.regions = {r.code: r for r in Region.objects.all()}

    def employee(self, code, balance="0.00", **kwargs):
        region = self.regions[code]
        person = PersonFactory(
            id_number=id_number(place=code),
            region=region,
            employer=EmployerFactory(region=region),
            benefits_from=date(2022, 1, 1),
            **kwargs,
        )
        account = account_open(person=person)
        if D(balance):
            ledger_post(account_id=account.pk, kind="adjustment", amount=D(balance))
        return person

    def resident(self, code, name="卓玛"):
        return PersonFactory(
            id_number=id_number(place=code, birth=date(1995, 6, 1)),
            name=name,
            region=self.regions[code],
            employer=None,
            scheme="resident",
            contribution_base=None,
        )

    def hospital(self, code, level="1", kind="hospital"):
        return InstitutionFactory(
            code=f"H{code}00{level}{kind[0]}", region=self.regions[code], level=level, kind=kind
        )

    def certify(self, person, disease="I10"):
        c = certification_apply(person=person, disease_code=disease, valid_from=date(2026, 1, 1))
        return certification_approve(certification=c)

    def grant(self, holder, member, relation="spouse"):
        return sharing_grant(
            holder=holder,
            member=member,
            relation=relation,
            proof_kind="household_register",
            proof_number="HR-1",
            valid_from=date(2026, 1, 1),
        )


@pytest.fixture
def world(db):
    return World()
