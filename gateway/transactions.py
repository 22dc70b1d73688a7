"""The transactions (交易) of the national platform's institution interface, one function each.

Each handler takes the request's context and its ``input`` node and returns the ``output`` (or
None); a refusal raises ``Refused`` and, since the caller runs the handler in one transaction,
changes nothing. Money goes through ``claims.settlement`` only (the same service, locks,
idempotency, accumulators, family sharing and audit as ``/api/v1/claims/``); this module
translates the platform's fields to a ``ClaimRequest`` and the result back.

Decisions where NATIONAL-INTERFACE.md leaves it open ([?] / [1]) are marked ``Decision:``.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import secrets
import zipfile
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import PersonalAccount
from catalogue.selectors import items_from, items_statement
from catalogue.split import CLASS_B, split_line
from claims import calculator
from claims.models import Accumulator, ChronicCertification, Disease, InpatientTotal, Settlement
from claims.patients import is_patient, patient_lookup_record
from claims.settlement import (
    _CHAIN_VERSIONS,
    ClaimRequest,
    T,
    _has_version,
    _policy,
    settlement_create,
    settlement_preview,
    settlement_reverse,
)
from enrollment.models import Institution, Person
from family_sharing.models import SharingAuthorisation
from policies.models import Region
from staff import sql
from staff.errors import DomainError

from .fields import _UNSAFE, Node, Refused, shown
from .models import FeeLine, Message, SignIn, UploadedFile, Visit, VisitSettlement

ZERO = Decimal("0.00")
INSUTYPES = ("310", "390")  # the schemes this system settles: employees' and residents'
CERT_TYPES = ("01", "02", "03")
# Decision: 11 普通门诊 and 41 定点药店购药 settle as general outpatient care; 14 门诊慢特病 as the
# chronic or special benefit of the visit's disease (its kind in the disease catalogue); the
# regional long codes 140104 门诊慢病 / 140201 门诊特病 name the benefit directly. Other types
# (住院, 生育, 急诊 …) are not outpatient mutual-aid benefits here and are refused.
MED_TYPES = {"11": "general_outpatient", "41": "general_outpatient", "14": None,
             "140104": "chronic", "140201": "special"}  # fmt: skip
FUND_NAMES = {
    "310100": "职工基本医疗保险统筹基金",
    "310200": "职工基本医疗保险个人账户基金",
    "390100": "城乡居民基本医疗保险基金",
}


@dataclass
class Context:
    institution: Institution
    user: object
    msgid: str
    infno: str
    envelope: dict
    now: datetime
    # Statements the handler leaves to the message's last batch (with the message's INSERT and
    # the COMMIT): one round trip for a handler's writes and the kept answer.
    pending: list = dataclass_field(default_factory=list)
    # The visit the kept message names (2204, 2207): see ``Message.visit``.
    visit_id: int | None = None


def _serial() -> str:
    return f"{secrets.randbelow(10**20):020d}"


# --- Persons ------------------------------------------------------------------------------------


def _psn_no(person_id: int) -> str:
    return str(person_id)


def person_by_psn_no(node: Node, field: str = "psn_no", required: bool = True) -> Person | None:
    text = node.ident(field, 30, required)
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise Refused(f"{node.name}.{field} 人员编号 {text} 不存在")
    person = Person.objects.select_related("region", "employer").filter(pk=int(text)).first()
    if person is None:
        raise Refused(f"{node.name}.{field} 人员编号 {text} 不存在")
    return person


def _check_insuplc(ctx: Context, person: Person) -> None:
    """The envelope's 参保地 must be the person's region (required when the input names one)."""
    insuplc = ctx.envelope.get("insuplc_admdvs")
    if insuplc in (None, ""):
        raise Refused("insuplc_admdvs 参保地医保区划不能为空（输入含人员编号时必填）")
    if str(insuplc) != person.region.code:
        raise Refused(
            f"insuplc_admdvs 参保地医保区划 {shown(insuplc, 6)} "
            f"与人员参保地 {person.region.code} 不符"
        )


def _check_card(data: Node, person: Person) -> None:
    """The card the patient presents must be this person's (个人信息保护法 第二十八条: an
    institution registers, and so reads, only the persons who come to it with their card, not
    any 人员编号 it cares to try). Decision: as in 1101, a social security card's number (03) is
    the holder's ID number; the electronic voucher (01) is not supported."""
    cert_type = data.code("mdtrt_cert_type", CERT_TYPES)
    number = data.ident("mdtrt_cert_no", 50)
    if cert_type == "01":
        raise Refused(
            "data.mdtrt_cert_type 暂不支持医保电子凭证（01），请用身份证（02）或社保卡（03）"
        )
    if number.upper() != person.id_number:
        raise Refused("data.mdtrt_cert_no 就诊凭证编号与人员编号登记的证件号码不符")


NOT_OUR_PATIENT = (
    "该人员未在本机构核验身份、挂号或结算，不能查询其信息"
    "（请先以其就诊凭证办理 1101 人员信息获取或 2201 门诊挂号）"
)


def _check_patient(ctx: Context, person: Person) -> None:
    """Least privilege (个人信息保护法 第二十八条): an institution reads the certifications and
    year-to-date totals of its own patients only, a person it has registered (2201, which
    needs the person's card), identified by the card (1101, as the REST lookup: the same
    ``claims.patients`` record the REST preview reads) or settled; every other 人员编号 is
    answered alike, whether it exists or not, and before the 参保地 check (whose answer would
    name the person's region). A HIS asks 5301 right after 1101, before choosing 门诊慢特病."""
    if Visit.objects.filter(institution=ctx.institution, person=person).exists():
        return
    if is_patient(institution_id=ctx.institution.pk, person_id=person.pk):
        return
    raise Refused(NOT_OUR_PATIENT)


def _patient_by_psn_no(ctx: Context, node: Node) -> Person:
    """The person ``psn_no`` names, if the institution's patient (``_check_patient``); an
    unknown number gets the same answer as another institution's patient."""
    text = node.ident("psn_no", 30)
    person = None
    if text.isascii() and text.isdigit() and len(text) <= 18:
        person = Person.objects.select_related("region", "employer").filter(pk=int(text)).first()
    if person is None:
        raise Refused(NOT_OUR_PATIENT)
    _check_patient(ctx, person)
    return person


def insutype_of(person: Person) -> str:
    return "390" if person.scheme == "resident" else "310"


def psn_type_of(person: Person) -> str:
    """Decision ([1 vendor]): 1101/1201 employee/retiree; flexible workers 1103/1203;
    residents 1401 (the 14xx block)."""
    if person.scheme == "resident":
        return "1401"
    retired = person.category == "retiree"
    if person.employment == "flexible":
        return "1203" if retired else "1103"
    return "1201" if retired else "1101"


# Decision ([1]): active → 1 正常参保; arrears and suspended → 2 暂停参保.
INSU_STAS = {"active": "1", "arrears": "2", "suspended": "2"}


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _balance(person_id: int) -> Decimal:
    found = sql.rows(
        f"SELECT balance FROM {PersonalAccount._meta.db_table}"  # noqa: S608 - table name only
        " WHERE person_id = %s ORDER BY id",
        [person_id],
    )
    return sql.money(found[0][0]) if found else ZERO


def _baseinfo(person: Person, today: date) -> dict:
    return {
        "psn_no": _psn_no(person.pk),
        "psn_cert_type": "01",  # 居民身份证
        "certno": person.id_number,
        "psn_name": person.name,
        "gend": "1" if person.gender == "male" else "2",
        "naty": "",
        "brdy": person.birth_date.isoformat(),
        "age": f"{_age(person.birth_date, today)}.0",
    }


# --- 9001 签到 -----------------------------------------------------------------------------------


def t9001(ctx: Context, node: Node) -> dict:
    data = node.child("signIn")
    sign = SignIn.objects.create(
        institution=ctx.institution,
        sign_no=_serial(),
        opter_no=data.text("opter_no", 20),
        ip=data.text("ip", 20),
        mac=data.text("mac", 20, required=False),
    )
    return {
        "signinoutb": {
            "sign_time": timezone.localtime(ctx.now).strftime("%Y-%m-%d %H:%M:%S"),
            "sign_no": sign.sign_no,
        }
    }


# --- 1101 人员信息获取 ---------------------------------------------------------------------------


def t1101(ctx: Context, node: Node) -> dict:
    data = node.child("data")
    cert_type = data.code("mdtrt_cert_type", CERT_TYPES)
    number = data.ident("mdtrt_cert_no", 50)
    if cert_type == "01":
        raise Refused(
            "data.mdtrt_cert_type 暂不支持医保电子凭证（01），请用身份证（02）或社保卡（03）"
        )
    # Decision: a social security card's number is the holder's ID number (社会保障号码).
    person = (
        Person.objects.select_related("region", "employer").filter(id_number=number.upper()).first()
    )
    if person is None:
        raise Refused("data.mdtrt_cert_no 未查询到该证件号码的参保人员")
    name = data.text("psn_name", 50, required=False)
    if name and name != person.name:
        raise Refused("data.psn_name 姓名与证件号码登记的姓名不符")
    patient_lookup_record(institution_id=ctx.institution.pk, person_id=person.pk, via="1101")
    today = timezone.localdate()
    account = PersonalAccount.objects.filter(person=person).values_list("balance", flat=True)
    balance = account.first()
    insuinfo = {
        "balc": f"{balance if balance is not None else ZERO:.2f}",
        "insutype": insutype_of(person),
        "psn_type": psn_type_of(person),
        "psn_insu_stas": INSU_STAS.get(person.status, "1"),
        "psn_insu_date": (person.benefits_from or person.created_at.date()).isoformat(),
        "paus_insu_date": None,
        "cvlserv_flag": "0",
        "insuplc_admdvs": person.region.code,
        "emp_name": person.employer.name if person.employer else "",
    }
    # Extension: the holders whose accounts may pay for this person (family sharing), for the
    # HIS to name one in 2206/2207's ``acct_mulaid_psn_no``; the holder's balance is not shown.
    sharing = (
        SharingAuthorisation.objects.filter(member=person, status="active", valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .select_related("holder")
    )
    mulaid = [
        {
            "psn_no": _psn_no(a.holder_id),
            "psn_name": a.holder.name[:1] + "*" * (len(a.holder.name) - 1),
            "relation": a.relation,
            "begndate": a.valid_from.isoformat(),
            "enddate": a.valid_to.isoformat() if a.valid_to else None,
        }
        for a in sharing
    ]
    return {
        "baseinfo": _baseinfo(person, today),
        "insuinfo": [insuinfo],
        "idetinfo": [],
        "mulaidinfo": mulaid,
    }


# --- 2201 / 2202 挂号 ----------------------------------------------------------------------------


def t2201(ctx: Context, node: Node) -> dict:
    data = node.child("data")
    person = person_by_psn_no(data)
    _check_card(data, person)
    _check_insuplc(ctx, person)
    insutype = data.code("insutype", INSUTYPES)
    if insutype != insutype_of(person):
        raise Refused(f"data.insutype 险种 {insutype} 与人员参保险种 {insutype_of(person)} 不符")
    begntime = data.datetime("begntime")
    registration = {
        "mdtrt_cert_type": data.code("mdtrt_cert_type", CERT_TYPES),
        "mdtrt_cert_no": data.ident("mdtrt_cert_no", 50),
        "atddr_no": data.text("atddr_no", 30),
        "dr_name": data.text("dr_name", 50),
        "dept_code": data.ident("dept_code", 30),
        "dept_name": data.text("dept_name", 100),
        "caty": data.ident("caty", 6),
    }
    visit = Visit.objects.create(
        institution=ctx.institution,
        person=person,
        mdtrt_id=_serial(),
        ipt_otp_no=data.ident("ipt_otp_no", 30),
        insutype=insutype,
        begntime=begntime,
        registration=registration,
    )
    return {
        "data": {
            "mdtrt_id": visit.mdtrt_id,
            "psn_no": _psn_no(person.pk),
            "ipt_otp_no": visit.ipt_otp_no,
        }
    }


@cache
def _visit_sql(lock: bool) -> str:
    q = connection.ops.quote_name
    v, p, r = (q(m._meta.db_table) for m in (Visit, Person, Region))
    columns = ", ".join(sql.columns_of(m)[0] for m in (Visit, Person, Region))
    locking = f" FOR UPDATE OF {v}" if lock and connection.features.has_select_for_update else ""
    return (
        f"SELECT {columns} FROM {v} JOIN {p} ON {p}.id = {v}.person_id"  # noqa: S608 - table names only
        f" JOIN {r} ON {r}.id = {p}.region_id"
        f" WHERE {v}.mdtrt_id = %s AND {v}.institution_id = %s ORDER BY {v}.id{locking}"
    )


def _visit_from_row(row) -> Visit:
    n_visit, n_person = len(sql.columns_of(Visit)[1]), len(sql.columns_of(Person)[1])
    visit = sql.instance_of(Visit, row[:n_visit])
    person = sql.instance_of(Person, row[n_visit : n_visit + n_person])
    person.region = sql.instance_of(Region, row[n_visit + n_person :])
    visit.person = person
    return visit


def _check_visit(ctx: Context, data: Node, mdtrt_id: str, visit: Visit | None) -> Visit:
    if visit is None:
        raise Refused(f"{data.name}.mdtrt_id 就诊ID {mdtrt_id} 不存在")
    psn_no = data.ident("psn_no", 30)
    if psn_no != _psn_no(visit.person_id):
        raise Refused(f"{data.name}.psn_no 人员编号与就诊ID {mdtrt_id} 的人员不符")
    if visit.status == Visit.Status.CANCELLED:
        raise Refused(f"{data.name}.mdtrt_id 就诊ID {mdtrt_id} 已撤销挂号")
    _check_insuplc(ctx, visit.person)
    return visit


def visit_of(ctx: Context, data: Node, *, lock: bool = False) -> Visit:
    """The institution's own visit (another institution's is answered as unknown), with its
    person and the person's region: one prepared read (locking the visit's row if asked)."""
    mdtrt_id = data.ident("mdtrt_id", 30)
    found = sql.rows(_visit_sql(lock), [mdtrt_id, ctx.institution.pk])
    return _check_visit(ctx, data, mdtrt_id, _visit_from_row(found[0]) if found else None)


def _has_settlement(visit: Visit) -> bool:
    return VisitSettlement.objects.filter(visit=visit, undone_by="").exists()


def t2202(ctx: Context, node: Node) -> None:
    data = node.child("data")
    visit = visit_of(ctx, data, lock=True)
    if data.ident("ipt_otp_no", 30) != visit.ipt_otp_no:
        raise Refused("data.ipt_otp_no 门诊号与就诊ID不符")
    if _has_settlement(visit):
        raise Refused("该就诊已有结算，不能撤销挂号；请先办理结算撤销（2208）")
    visit.lines.filter(settlement__isnull=True).delete()
    visit.status = Visit.Status.CANCELLED
    visit.save(update_fields=["status"])
    return None


# --- 2203 就诊信息上传 ----------------------------------------------------------------------------


def t2203(ctx: Context, node: Node) -> None:
    info = node.child("mdtrtinfo")
    visit = visit_of(ctx, info, lock=True)
    med_type = info.code("med_type", tuple(MED_TYPES))
    info.datetime("begntime")
    diagnoses = []
    for d in node.children("diseinfo", required=False, limit=50):
        diagnoses.append(
            {
                "diag_type": d.text("diag_type", 3),
                "diag_srt_no": str(d.number("diag_srt_no", places=0)),
                "diag_code": d.ident("diag_code", 20),
                "diag_name": d.text("diag_name", 100),
                "diag_dept": d.text("diag_dept", 50),
                "dise_dor_no": d.text("dise_dor_no", 30),
                "dise_dor_name": d.text("dise_dor_name", 50),
                "diag_time": d.text("diag_time", 19),
                "vali_flag": d.code("vali_flag", ("0", "1")),
            }
        )
    dise_codg = info.ident("dise_codg", 30, required=False)
    dise_name = info.text("dise_name", 500, required=False)
    if not dise_codg:
        main = sorted(
            (d for d in diagnoses if d["vali_flag"] == "1"), key=lambda d: int(d["diag_srt_no"])
        )
        if main:
            dise_codg, dise_name = main[0]["diag_code"], main[0]["diag_name"]
    visit.med_type, visit.dise_codg, visit.dise_name = med_type, dise_codg, dise_name
    visit.diagnoses = diagnoses
    visit.save(update_fields=["med_type", "dise_codg", "dise_name", "diagnoses"])
    return None


# --- 2204 / 2205 费用明细 ------------------------------------------------------------------------


def _policy_in_force(region_id: int, on: date) -> calculator.Policy | None:
    # The settlement service's own read of the region chain's versions in force (one prepared
    # statement); the effective document comes from its cache by version set (parsed once per
    # process), so the gateway splits lines under exactly the policy the settlement will use.
    found = sql.rows(
        _CHAIN_VERSIONS.format(tag="version", version=T.version, region=T.region),
        [region_id, on, on],
    )
    return _policy_of(found)


_FEELINES = FeeLine._meta.db_table


@cache
def _visit_id_sql() -> str:
    v = connection.ops.quote_name(Visit._meta.db_table)
    return f"(SELECT {v}.id FROM {v} WHERE {v}.mdtrt_id = %s AND {v}.institution_id = %s)"  # noqa: S608 - table name only


@cache
def _uploaded_sql(n_sns: int, n_batches: int) -> str:
    return (
        f"SELECT feedetl_sn, chrg_bchno, settlement_id FROM {_FEELINES}"  # noqa: S608 - table name only
        f" WHERE visit_id = {_visit_id_sql()} AND (feedetl_sn IN ({sql.placeholders(n_sns)})"
        f" OR (chrg_bchno IN ({sql.placeholders(n_batches)}) AND settlement_id IS NOT NULL))"
    )


@cache
def _chain_of_visit_sql() -> str:
    """The policy versions in force for the region of a visit's person (the settlement
    service's own chain read, started from the visit's person by a subquery)."""
    q = connection.ops.quote_name
    v, p = q(Visit._meta.db_table), q(Person._meta.db_table)
    person_region = (
        f"(SELECT {p}.region_id FROM {p} JOIN {v} ON {v}.person_id = {p}.id"  # noqa: S608 - table names only
        f" WHERE {v}.mdtrt_id = %s AND {v}.institution_id = %s)"
    )
    text = _CHAIN_VERSIONS.format(tag="version", version=T.version, region=T.region)
    assert text.count("WHERE id = %s") == 1
    return text.replace("WHERE id = %s", f"WHERE id = {person_region}")


def _class_b_rate(policy: calculator.Policy | None) -> Decimal | None:
    if policy is None:
        return None
    value = policy.get("general_outpatient.class_b_first_pay_rate")
    return Decimal(value) if value is not None else None


def _policy_of(found: list) -> calculator.Policy | None:
    rows = tuple((a, b) for _tag, a, b in found)
    if not _has_version(list(rows)):
        return None
    return _policy(rows)[0]


def _fee_time(row: Node, times: dict[str, datetime]) -> datetime:
    """A line's ``fee_ocur_time``, parsed once per text in a message (``times``)."""
    text = row.value.get("fee_ocur_time")
    moment = times.get(text) if type(text) is str else None
    if moment is None:
        moment = row.datetime("fee_ocur_time")
        if type(text) is str:
            times[text] = moment
    return moment


def t2204(ctx: Context, node: Node) -> dict:
    """Every line split against the catalogue of the institution's region on the visit date.
    One round trip reads the visit (locked), the lines already uploaded, the policy in force and
    the catalogue terms; the lines' INSERT rides on the message's last batch (no query per
    line). The policy is read for today's date: a visit registered on another day reads it
    again for its own."""
    rows = node.children("feedetail", limit=5000)
    first = rows[0]
    mdtrt_id = first.ident("mdtrt_id", 30)
    parsed = []
    seen = set()
    times: dict[str, datetime] = {}  # a message's lines mostly share a few fee times
    psn_no = first.ident("psn_no", 30)
    for row in rows:
        if row.ident("mdtrt_id", 30) != mdtrt_id or row.ident("psn_no", 30) != psn_no:
            raise Refused(
                f"{row.name} 的 mdtrt_id / psn_no 与第一条明细不同：一次只能上传一次就诊的明细"
            )
        sn = row.ident("feedetl_sn", 30)
        if sn in seen:
            raise Refused(f"{row.name}.feedetl_sn 费用明细流水号 {sn} 在本次上传中重复")
        seen.add(sn)
        amount = row.number("det_item_fee_sumamt", 2, minimum=ZERO)
        cnt = row.number("cnt", 4, minimum=ZERO)
        pric = row.number("pric", 6, minimum=ZERO)
        parsed.append(
            {
                "feedetl_sn": sn,
                "chrg_bchno": row.ident("chrg_bchno", 30),
                "rx_circ_flag": row.code("rx_circ_flag", ("0", "1")),
                "fee_ocur_time": _fee_time(row, times),
                "med_list_codg": row.ident("med_list_codg", 50),
                "medins_list_codg": row.ident("medins_list_codg", 150),
                "amount": amount,
                "cnt": cnt,
                "pric": pric,
                "bilg_dept_codg": row.text("bilg_dept_codg", 30),
                "bilg_dept_name": row.text("bilg_dept_name", 100),
                "bilg_dr_codg": row.text("bilg_dr_codg", 30),
                "bilg_dr_name": row.text("bilg_dr_name", 50),
                "hosp_appr_flag": row.code("hosp_appr_flag", ("0", "1", "2")),
            }
        )
    batches = sorted({p["chrg_bchno"] for p in parsed})
    sns = sorted(seen)
    codes = sorted({p["med_list_codg"] for p in parsed})
    today = timezone.localdate()
    key = [mdtrt_id, ctx.institution.pk]
    found_visit, found_lines, found_policy, found_items = sql.batch(
        [
            (_visit_sql(True), key),
            (_uploaded_sql(len(sns), len(batches)), [*key, *sns, *batches]),
            (_chain_of_visit_sql(), [*key, today, today]),
            items_statement(codes=codes, region_id=ctx.institution.region_id),
        ]
    )
    visit = _check_visit(
        ctx, first, mdtrt_id, _visit_from_row(found_visit[0]) if found_visit else None
    )
    taken = {sn for sn, _batch, _settlement in found_lines if sn in seen}
    if taken:
        raise Refused(f"feedetail.feedetl_sn 费用明细流水号已上传：{'、'.join(sorted(taken)[:5])}")
    if any(s is not None and b in batches for _sn, b, s in found_lines):
        raise Refused("feedetail.chrg_bchno 该收费批次已结算，不能再上传明细")
    visit_day = timezone.localdate(visit.begntime)
    if visit_day == today:
        policy = _policy_of(found_policy)
    else:
        policy = _policy_in_force(visit.person.region_id, visit_day)
    rate = _class_b_rate(policy)
    items = items_from(found_items, on=visit_day)
    lines, result = [], []
    for p in parsed:
        item = items.get(p["med_list_codg"])
        try:
            s = split_line(amount=p["amount"], count=p["cnt"], item=item, class_b_rate=rate)
        except DomainError as exc:
            raise Refused(exc.message) from None
        lines.append(
            {  # a FeeLine's fields by attname (sql.insert_rows_statement: no instance per line)
                "visit_id": visit.pk,
                "feedetl_sn": p["feedetl_sn"],
                "chrg_bchno": p["chrg_bchno"],
                "msgid": ctx.msgid,
                "med_list_codg": p["med_list_codg"],
                "medins_list_codg": p["medins_list_codg"],
                "fee_ocur_time": p["fee_ocur_time"],
                "det_item_fee_sumamt": s.amount,
                "cnt": p["cnt"],
                "pric": p["pric"],
                "chrgitm_lv": s.chrgitm_lv,
                "med_chrgitm_type": item.med_chrgitm_type if item else "",
                "pric_uplmt_amt": s.price_ceiling,
                "selfpay_prop": s.selfpay_prop,
                "own_proportion": s.own_proportion,
                "fulamt_ownpay_amt": s.fulamt_ownpay_amt,
                "overlmt_amt": s.overlmt_amt,
                "preselfpay_amt": s.preselfpay_amt,
                "inscp_scp_amt": s.inscp_scp_amt,
            }
        )
        result.append(
            {
                "feedetl_sn": p["feedetl_sn"],
                "det_item_fee_sumamt": f"{s.amount:.2f}",
                "cnt": f"{p['cnt']:.4f}",
                "pric": f"{p['pric']:.6f}",
                "pric_uplmt_amt": "" if s.price_ceiling is None else f"{s.price_ceiling:.6f}",
                "selfpay_prop": f"{s.selfpay_prop:.4f}",
                "fulamt_ownpay_amt": f"{s.fulamt_ownpay_amt:.2f}",
                "overlmt_amt": f"{s.overlmt_amt:.2f}",
                "preselfpay_amt": f"{s.preselfpay_amt:.2f}",
                "inscp_scp_amt": f"{s.inscp_scp_amt:.2f}",
                "chrgitm_lv": s.chrgitm_lv,
                "med_chrgitm_type": item.med_chrgitm_type if item else "",
                "bas_medn_flag": "0",
                "hi_nego_drug_flag": "0",
                "chld_medc_flag": "0",
                "list_sp_item_flag": "0",
                "lmt_used_flag": "0",
                "drt_reim_flag": "0",
                "memo": "" if item else "不在医保目录内，全自费",
            }
        )
    for start in range(0, len(lines), 1000):
        ctx.pending.append(sql.insert_rows_statement(FeeLine, lines[start : start + 1000]))
    ctx.visit_id = visit.pk
    return {"result": result}


def t2205(ctx: Context, node: Node) -> None:
    data = node.child("data")
    visit = visit_of(ctx, data, lock=True)
    batch = data.ident("chrg_bchno", 30)
    lines = visit.lines.filter(settlement__isnull=True)
    if batch != "0000":
        if visit.lines.filter(chrg_bchno=batch, settlement__isnull=False).exists():
            raise Refused(f"data.chrg_bchno 收费批次 {batch} 已结算，不能撤销；请先办理结算撤销")
        lines = lines.filter(chrg_bchno=batch)
        if not lines.exists():
            raise Refused(f"data.chrg_bchno 收费批次 {batch} 无可撤销的费用明细")
    lines.delete()
    return None


# --- 2206 / 2207 结算 ----------------------------------------------------------------------------


@dataclass
class _Claim:
    visit: Visit
    request: ClaimRequest
    totals: dict
    med_type: str
    insutype: str
    cert_type: str
    batch: str  # the charge batch settled ("0000": every unsettled line; 2207 marks them)
    own_balance: Decimal | None = None  # the patient's account balance, when asked for


def _benefit(visit: Visit, med_type: str, data: Node) -> tuple[str, str]:
    benefit = MED_TYPES[med_type]
    if benefit == "general_outpatient":
        return benefit, ""
    if not visit.dise_codg:
        raise Refused("门诊慢特病结算须先由 2203 上传病种（mdtrtinfo.dise_codg 或 diseinfo）")
    code = visit.dise_codg.upper()
    # The catalogue's codes are ICD-10 categories (I10) and the HIS sends full codes (I10.x00):
    # the longest catalogue code that begins the visit's code is the disease.
    candidates = [code[:n] for n in range(len(code), 2, -1)]
    disease = Disease.objects.filter(code__in=candidates).order_by("-code").first()
    if disease is None:
        raise Refused(f"病种 {visit.dise_codg} 不在门诊慢特病病种目录内")
    if benefit is None:
        benefit = disease.kind
    elif benefit != disease.kind:
        raise Refused(f"data.med_type {med_type} 与病种 {disease.code} 的类别不符")
    return benefit, disease.code


# The unsettled lines' sums, one prepared read (the ORM's aggregate compiled ~5 ms per call).
_SUMS_OF = (
    "SELECT SUM(det_item_fee_sumamt), SUM(fulamt_ownpay_amt), SUM(overlmt_amt),"
    # 乙类 in scope at the region's rate: the calculator's class-B step applies and cites it.
    " SUM(CASE WHEN chrgitm_lv = %s AND own_proportion = %s"
    " THEN preselfpay_amt + inscp_scp_amt ELSE 0 END),"
    # First self-pay at an item's own proportion, already computed per line at 2204.
    " SUM(CASE WHEN own_proportion = %s THEN preselfpay_amt ELSE 0 END), COUNT(id)"
)
_SUM_NAMES = ("total", "fulamt", "overlmt", "class_b", "own_pre", "count")


def _sums_statement(key: list, batch: str) -> tuple[str, list]:
    """The unsettled lines' sums of the visit ``key`` names (mdtrt_id, institution)."""
    text = (
        f"{_SUMS_OF} FROM {_FEELINES}"  # noqa: S608 - table name only
        f" WHERE visit_id = {_visit_id_sql()} AND settlement_id IS NULL"
    )
    params = [CLASS_B, False, True, *key]
    if batch != "0000":
        text, params = text + " AND chrg_bchno = %s", [*params, batch]
    return text, params


def _cent(value) -> Decimal:
    return sql.money(value or 0).quantize(calculator.CENT)


@cache
def _balance_of_visit_sql() -> str:
    v = connection.ops.quote_name(Visit._meta.db_table)
    return (
        f"SELECT balance FROM {PersonalAccount._meta.db_table}"  # noqa: S608 - table names only
        f" WHERE person_id = (SELECT {v}.person_id FROM {v}"
        f" WHERE {v}.mdtrt_id = %s AND {v}.institution_id = %s) ORDER BY id"
    )


def claim_of(ctx: Context, node: Node, *, lock: bool, balance: bool = False) -> _Claim:
    """The visit (locked if asked), its unsettled lines' sums and, if asked, the patient's
    account balance: one round trip; then the ``ClaimRequest`` the settlement service gets."""
    data = node.child("data")
    mdtrt_id = data.ident("mdtrt_id", 30)
    batch = data.ident("chrg_bchno", 30)
    key = [mdtrt_id, ctx.institution.pk]
    statements = [(_visit_sql(lock), key), _sums_statement(key, batch)]
    if balance:
        statements.append((_balance_of_visit_sql(), key))
    found = sql.batch(statements)
    visit = _check_visit(ctx, data, mdtrt_id, _visit_from_row(found[0][0]) if found[0] else None)
    sums = dict(zip(_SUM_NAMES, found[1][0], strict=True))
    own_balance = (sql.money(found[2][0][0]) if found[2] else ZERO) if balance else None
    cert_type = data.code("mdtrt_cert_type", CERT_TYPES)
    data.ident("mdtrt_cert_no", 50, required=False)
    med_type = data.code("med_type", tuple(MED_TYPES))
    total_sent = data.number("medfee_sumamt", 2, minimum=ZERO)
    setlway = data.code("psn_setlway", ("01", "02"))
    if setlway == "02":
        raise Refused("data.psn_setlway 暂不支持按定额结算（02）")
    use_account = data.code("acct_used_flag", ("0", "1")) == "1"
    insutype = data.code("insutype", INSUTYPES)
    if insutype != visit.insutype:
        raise Refused(f"data.insutype 险种 {insutype} 与挂号时的险种 {visit.insutype} 不符")
    if med_type == "41" and ctx.institution.kind != "pharmacy":
        raise Refused("data.med_type 41（定点药店购药）只适用于定点零售药店")
    # Decision: family sharing is asked for by naming the holder (the 1101 ``mulaidinfo`` row)
    # in the extension field ``acct_mulaid_psn_no``; without it the patient's own account pays.
    holder = person_by_psn_no(data, "acct_mulaid_psn_no", required=False)
    benefit, disease_code = _benefit(visit, med_type, data)
    if not sums["count"]:
        raise Refused(f"data.chrg_bchno 就诊 {visit.mdtrt_id} 无待结算的费用明细")
    totals = {k: _cent(v) for k, v in sums.items() if k != "count"}
    if total_sent != totals["total"]:
        raise Refused(
            f"data.medfee_sumamt 医疗费总额 {total_sent:.2f} 与已上传费用明细合计 "
            f"{totals['total']:.2f} 不符"
        )
    request = ClaimRequest(
        claim_number=ctx.msgid,
        person=visit.person,
        institution=ctx.institution,
        visit_date=timezone.localdate(visit.begntime),
        benefit=benefit,
        total_amount=totals["total"],
        self_pay_amount=totals["fulamt"] + totals["overlmt"] + totals["own_pre"],
        class_b_amount=totals["class_b"],
        disease_code=disease_code,
        use_account=use_account,
        account_holder=holder,
    )
    # Under the visit's lock (2207) these are exactly the lines summed above.
    return _Claim(visit, request, totals, med_type, insutype, cert_type, batch, own_balance)


def _proc_info(explanation: list[dict], steps=None) -> str:
    lines = [e for e in explanation if steps is None or e["step"] in steps]
    return "；".join(e["rule"] if e.get("note") else f"{e['rule']}：{e['amount']}" for e in lines)[
        :4000
    ]


ACCOUNT_STEPS = ("account", "own_account", "family_account", "holder_account", "cash")


def setlinfo(
    *,
    person: Person,
    visit: Visit,
    figures,
    fulamt: Decimal,
    overlmt: Decimal,
    own_pre: Decimal,
    med_type: str,
    insutype: str,
    cert_type: str,
    setl_id: str,
    msgid: str,
    setl_time: datetime,
    balc: Decimal,
    ratio: Decimal | None = None,
    sign: int = 1,
) -> dict:
    """The 2207 ``setlinfo``. Decisions ([?]): ``acct_pay`` is everything paid from personal
    accounts, ``acct_mulaid_pay`` the part of it from a family member's account, so that
    ``psn_part_amt = acct_pay + psn_cash_pay`` and ``medfee_sumamt = fund_pay_sumamt +
    psn_part_amt`` hold; ``inscp_scp_amt`` is the in-policy amount after every first self-pay
    (the region's rate on 乙类, and items' own proportions), so that the four parts add up to
    ``medfee_sumamt`` as on 2204's lines."""

    def m(value: Decimal) -> str:
        return signed(value, sign)

    total = figures.total_amount
    pool = figures.pool_paid
    accounts = figures.account_paid + figures.family_account_paid
    today = timezone.localdate()
    return {
        "mdtrt_id": visit.mdtrt_id,
        "setl_id": setl_id,
        "psn_no": _psn_no(person.pk),
        "psn_name": person.name,
        "psn_cert_type": "01",
        "certno": person.id_number,
        "gend": "1" if person.gender == "male" else "2",
        "naty": "",
        "brdy": person.birth_date.isoformat(),
        "age": f"{_age(person.birth_date, today)}.0",
        "insutype": insutype,
        "psn_type": psn_type_of(person),
        "cvlserv_flag": "0",
        "setl_time": timezone.localtime(setl_time).strftime("%Y-%m-%d %H:%M:%S"),
        "mdtrt_cert_type": cert_type,
        "med_type": med_type,
        "medfee_sumamt": m(total),
        "fulamt_ownpay_amt": m(fulamt),
        "overlmt_selfpay": m(overlmt),
        "preselfpay_amt": m(figures.first_pay_amount + own_pre),
        "inscp_scp_amt": m(total - fulamt - overlmt - figures.first_pay_amount - own_pre),
        "act_pay_dedc": m(figures.deductible_applied),
        "hifp_pay": m(pool),
        "pool_prop_selfpay": "" if ratio is None else f"{Decimal(1) - ratio:.4f}",
        "cvlserv_pay": m(ZERO),
        "hifes_pay": m(ZERO),
        "hifmi_pay": m(ZERO),
        "hifob_pay": m(ZERO),
        "maf_pay": m(ZERO),
        "oth_pay": m(ZERO),
        "fund_pay_sumamt": m(pool),
        "psn_part_amt": m(total - pool),
        "acct_pay": m(accounts),
        "psn_cash_pay": m(figures.cash_paid),
        "hosp_part_amt": m(ZERO),
        "balc": f"{balc:.2f}",
        "acct_mulaid_pay": m(figures.family_account_paid),
        "medins_setl_id": msgid,
        "clr_optins": person.region.code if setl_id else "",
        "clr_way": "1" if setl_id else "",
        "clr_type": clr_type_of(med_type),
    }


def signed(value: Decimal, sign: int = 1) -> str:
    """Money as the answer shows it; a reversal's figures negated (never "-0.00")."""
    value = -value if sign < 0 else value
    return f"{value + 0:.2f}" if value else "0.00"


def clr_type_of(med_type: str) -> str:
    return "41" if med_type == "41" else "11"


def setldetail(figures, explanation: list[dict], insutype: str, sign: int = 1) -> list[dict]:
    pool_type = "390100" if insutype == "390" else "310100"
    detail = [
        {
            "fund_pay_type": pool_type,
            "fund_pay_type_name": FUND_NAMES[pool_type],
            "inscp_scp_amt": signed(figures.policy_amount - figures.first_pay_amount, sign),
            "crt_payb_lmt_amt": "",
            "fund_payamt": signed(figures.pool_paid, sign),
            "setl_proc_info": _proc_info(
                [e for e in explanation if e["step"] not in ACCOUNT_STEPS]
            ),
        }
    ]
    accounts = figures.account_paid + figures.family_account_paid
    if accounts:
        detail.append(
            {
                "fund_pay_type": "310200",
                "fund_pay_type_name": FUND_NAMES["310200"],
                "inscp_scp_amt": "0.00",
                "crt_payb_lmt_amt": "",
                "fund_payamt": signed(accounts, sign),
                "setl_proc_info": _proc_info(
                    [e for e in explanation if e["step"] in ACCOUNT_STEPS]
                ),
            }
        )
    return detail


def _explanation(lines) -> list[dict]:
    return [line.as_dict() if hasattr(line, "as_dict") else line for line in lines]


def t2206(ctx: Context, node: Node) -> dict:
    claim = claim_of(ctx, node, lock=False, balance=True)
    try:
        b = settlement_preview(request=claim.request)
    except DomainError as exc:
        raise Refused(exc.message) from None
    explanation = _explanation(b.explanation)
    own = claim.own_balance
    return {
        "setlinfo": setlinfo(
            person=claim.visit.person,
            visit=claim.visit,
            figures=b,
            fulamt=claim.totals["fulamt"],
            overlmt=claim.totals["overlmt"],
            own_pre=claim.totals["own_pre"],
            med_type=claim.med_type,
            insutype=claim.insutype,
            cert_type=claim.cert_type,
            setl_id="",
            msgid=ctx.msgid,
            setl_time=ctx.now,
            balc=own - b.account_paid,
            ratio=b.ratio,
        ),
        "setldetail": setldetail(b, explanation, claim.insutype),
    }


def t2207(ctx: Context, node: Node) -> dict:
    """Lock order: the visit row, then the settlement service's own (accumulators, sharing
    authorisation, account). Only the gateway locks visits, so no cycle with other writers."""
    claim = claim_of(ctx, node, lock=True)
    data = node.child("data")
    data.text("invono", 20, required=False)
    for name in ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt"):
        data.number(name, 2, required=False)
    try:
        settlement, _created = settlement_create(request=claim.request, actor=ctx.user)
    except DomainError as exc:
        raise Refused(exc.message) from None
    mark = (
        f"UPDATE {_FEELINES} SET settlement_id = %s WHERE visit_id = %s AND settlement_id IS NULL"  # noqa: S608 - table name only
    )
    params = [settlement.pk, claim.visit.pk]
    if claim.batch != "0000":
        mark, params = mark + " AND chrg_bchno = %s", [*params, claim.batch]
    vs = VisitSettlement(
        settlement=settlement,
        visit=claim.visit,
        msgid=ctx.msgid,
        med_type=claim.med_type,
        insutype=claim.insutype,
        clr_type=clr_type_of(claim.med_type),
        mdtrt_cert_type=claim.cert_type,
        fulamt_ownpay_amt=claim.totals["fulamt"],
        overlmt_selfpay=claim.totals["overlmt"],
        own_preselfpay_amt=claim.totals["own_pre"],
    )
    # The lines summed under the visit's lock marked settled and the link written: in the
    # message's last batch, with its INSERT and the COMMIT.
    ctx.pending += [(mark, params), sql.insert_statement(vs)]
    ctx.visit_id = claim.visit.pk
    # The patient's balance after the settlement: the service's, when it locked and debited
    # the patient's own account in this transaction; else read (a holder's account paid).
    payer = getattr(settlement, "payer_balance", None)
    balc = payer[1] if payer is not None and payer[0] == claim.visit.person_id else None
    return settled_output(settlement, claim.visit, vs, balc=balc)


def settled_output(
    settlement: Settlement,
    visit: Visit,
    vs: VisitSettlement,
    sign: int = 1,
    balc: Decimal | None = None,
) -> dict:
    person = visit.person  # read with its region by visit_of
    return {
        "setlinfo": setlinfo(
            person=person,
            visit=visit,
            figures=settlement,
            fulamt=vs.fulamt_ownpay_amt,
            overlmt=vs.overlmt_selfpay,
            own_pre=vs.own_preselfpay_amt,
            med_type=vs.med_type,
            insutype=vs.insutype,
            cert_type=vs.mdtrt_cert_type,
            setl_id=str(settlement.pk),
            msgid=vs.msgid,
            setl_time=settlement.reversed_at if sign < 0 else settlement.created_at,
            balc=_balance(person.pk) if balc is None else balc,
            sign=sign,
        ),
        "setldetail": setldetail(settlement, settlement.explanation, vs.insutype, sign),
    }


# --- 2208 结算撤销 / 2601 冲正 -------------------------------------------------------------------


def _undo(ctx: Context, vs: VisitSettlement, by: str) -> None:
    if vs.undone_by:
        if vs.undone_by == by:
            raise Refused(
                "该结算已撤销，不能重复办理" if by == "2208" else "原交易已冲正，不能重复冲正"
            )
        if by == "2601":
            raise Refused("退费结算标志不为未退费，不能办理冲正交易")
        raise Refused("该结算已冲正，不能办理结算撤销")
    try:
        settlement_reverse(settlement=vs.settlement, actor=ctx.user)
    except DomainError as exc:
        raise Refused(exc.message) from None
    vs.undone_by = by
    vs.save(update_fields=["undone_by"])
    # The lines are free again: the HIS may settle them anew or clear them (2205).
    FeeLine.objects.filter(settlement=vs.settlement).update(settlement=None)


def t2208(ctx: Context, node: Node) -> dict:
    data = node.child("data")
    visit = visit_of(ctx, data, lock=True)
    setl_id = data.ident("setl_id", 30)
    vs = None
    if setl_id.isascii() and setl_id.isdigit() and len(setl_id) < 19:
        vs = (
            VisitSettlement.objects.select_for_update(of=("self",))
            .select_related("settlement")
            .filter(settlement_id=int(setl_id), visit=visit)
            .first()
        )
    if vs is None:
        raise Refused(f"data.setl_id 结算ID {setl_id} 不是该就诊的结算")
    _undo(ctx, vs, "2208")
    vs.settlement.refresh_from_db()
    return settled_output(vs.settlement, visit, vs, sign=-1)


def t2601(ctx: Context, node: Node) -> None:
    data = node.child("data")
    # Its own patient only (a reversal's person was registered or settled here): the 参保地
    # check's answer would otherwise name the region of any 人员编号 tried.
    person = _patient_by_psn_no(ctx, data)
    _check_insuplc(ctx, person)
    omsgid = data.ident("omsgid", 30)
    oinfno = data.ident("oinfno", 6)
    original = (
        Message.objects.select_for_update()
        .filter(institution=ctx.institution, msgid=omsgid)
        .first()
    )
    if original is None:
        raise Refused(f"data.omsgid 原交易报文 {omsgid} 不存在或未成功")
    if original.infno.rstrip("A") != oinfno.rstrip("A"):
        raise Refused(
            f"data.oinfno 原交易报文 {omsgid} 的交易编号是 {original.infno}，不是 {oinfno}"
        )
    if original.reversed_by:
        raise Refused("原交易已冲正，不能重复冲正")
    # The original's visit (kept with its message) narrows both reads to that visit's rows by
    # their indexes; a message kept before it was recorded is found by its msgid alone.
    by_visit = (
        {"visit_id": original.visit_id}
        if original.visit_id is not None
        else {"visit__institution": ctx.institution}
    )
    if oinfno.startswith("2207"):
        vs = (
            VisitSettlement.objects.select_for_update(of=("self",))
            .select_related("settlement", "visit")
            .filter(msgid=omsgid, **by_visit)
            .first()
        )
        if vs is None or vs.settlement.person_id != person.pk:
            raise Refused("data.psn_no 人员编号与原结算不符")
        _undo(ctx, vs, "2601")
    elif oinfno == "2204":
        lines = FeeLine.objects.filter(msgid=omsgid, **by_visit)
        if lines.exclude(visit__person=person).exists():
            raise Refused("data.psn_no 人员编号与原交易不符")
        if lines.filter(settlement__isnull=False).exists():
            raise Refused("原交易的费用明细已结算，不能冲正；请先办理结算撤销")
        lines.delete()
    else:
        raise Refused(f"data.oinfno 本系统只受理对 2207、2204 交易的冲正，不受理 {oinfno}")
    original.reversed_by = ctx.msgid
    original.save(update_fields=["reversed_by"])
    return None


# --- 3201 / 3202 对账 ---------------------------------------------------------------------------


def _ours(ctx: Context, insutype: str, clr_type: str, optins: str, begin: date, end: date):
    """This institution's settlements (through the gateway or the REST API alike) for one
    insutype × clr_type × clearing office (the patient's region) × settlement-date range."""
    start = timezone.make_aware(datetime.combine(begin, datetime.min.time()))
    stop = timezone.make_aware(datetime.combine(end, datetime.max.time()))
    qs = Settlement.objects.filter(
        institution=ctx.institution,
        status=Settlement.Status.SETTLED,
        created_at__gte=start,
        created_at__lte=stop,
        person__region__code=optins,
        person__scheme="resident" if insutype == "390" else "employee",
    )
    pharmacy = ctx.institution.kind == "pharmacy"
    if (clr_type == "41") != pharmacy:
        qs = qs.none()
    return qs


def _dates(data: Node) -> tuple[date, date]:
    begin, end = data.date("stmt_begndate"), data.date("stmt_enddate")
    if end < begin:
        raise Refused("data.stmt_enddate 对账结束日期早于开始日期")
    if end > timezone.localdate():
        raise Refused("data.stmt_enddate 对账结束日期不能晚于今天")
    return begin, end


def t3201(ctx: Context, node: Node) -> dict:
    data = node.child("data")
    insutype = data.code("insutype", INSUTYPES)
    clr_type = data.code("clr_type", ("11", "21", "41", "99"))
    optins = data.ident("setl_optins", 6)
    begin, end = _dates(data)
    theirs = {
        "medfee_sumamt": data.number("medfee_sumamt", 2),
        "fund_pay_sumamt": data.number("fund_pay_sumamt", 2),
        "acct_pay": data.number("acct_pay", 2),
        "fixmedins_setl_cnt": data.number("fixmedins_setl_cnt", 0, minimum=ZERO),
    }
    data.code("refd_setl_flag", ("0", "1"), required=False)
    sums = _ours(ctx, insutype, clr_type, optins, begin, end).aggregate(
        medfee_sumamt=Sum("total_amount"),
        fund_pay_sumamt=Sum("pool_paid"),
        acct=Sum("account_paid"),
        family=Sum("family_account_paid"),
        fixmedins_setl_cnt=Count("id"),
    )
    ours = {
        "medfee_sumamt": _cent(sums["medfee_sumamt"]),
        "fund_pay_sumamt": _cent(sums["fund_pay_sumamt"]),
        "acct_pay": _cent(sums["acct"]) + _cent(sums["family"]),
        "fixmedins_setl_cnt": Decimal(sums["fixmedins_setl_cnt"]),
    }
    names = {"medfee_sumamt": "医疗费总额", "fund_pay_sumamt": "基金支付总额",
             "acct_pay": "个人账户支付总额", "fixmedins_setl_cnt": "结算笔数"}  # fmt: skip
    differences = [
        f"{names[k]}：中心 {ours[k]}，机构 {theirs[k]}，差额 {theirs[k] - ours[k]}"
        for k in names
        if ours[k] != theirs[k]
    ]
    return {
        "stmtinfo": {
            "setl_optins": optins,
            "stmt_rslt": "1" if differences else "0",
            "stmt_rslt_dscr": "；".join(differences) if differences else "平",
        }
    }


MAX_FILE = 5 * 1024 * 1024


def t9101(ctx: Context, node: Node) -> dict:
    """文件上传 (for 3202): ``fsUploadIn.in`` is the file's bytes as the platform sends them (a
    JSON array of byte values) or, as an extension, a base64 string; a .zip holding one text
    file is unpacked. The file: one settlement per line, tab- or comma-separated: setl_id,
    mdtrt_id, psn_no, medfee_sumamt, fund_pay_sumamt, acct_pay, refd_setl_flag."""
    upload = node.child("fsUploadIn")
    raw = upload.value.get("in")
    filename = upload.text("filename", 200)
    if isinstance(raw, list) and len(raw) <= MAX_FILE:
        if not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in raw):
            raise Refused("fsUploadIn.in 应为字节数组（0–255）")
        content = bytes(raw)
    elif isinstance(raw, str) and len(raw) <= MAX_FILE * 4 // 3 + 4:
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise Refused("fsUploadIn.in 不是有效的 base64 文本") from None
    else:
        raise Refused("fsUploadIn.in 不能为空，且不能超过 5MB")
    stored = UploadedFile.objects.create(
        institution=ctx.institution,
        file_qury_no=f"{ctx.institution.code}-{_serial()}"[:40],
        filename=filename,
        content=content,
    )
    return {"file_qury_no": stored.file_qury_no, "filename": filename,
            "dld_endtime": None}  # fmt: skip


_SPLIT = re.compile(r"[\t,]")
_FILE_COLUMNS = ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay")


def _file_rows(content: bytes) -> list[list[str]]:
    if content[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = [i for i in archive.infolist() if not i.is_dir()]
                if len(names) != 1 or names[0].file_size > MAX_FILE:
                    raise Refused("对账文件压缩包应只含一个不超过 5MB 的文本文件")
                content = archive.read(names[0])
        except zipfile.BadZipFile:
            raise Refused("对账文件不是有效的 zip 压缩包") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # neither: bytes no text file holds (it was a 500)
        raise Refused("对账文件不是文本文件：应为 UTF-8 或 GBK 编码的文本")
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        # A NUL or other control character would be echoed into the answer (PostgreSQL's
        # jsonb refuses a NUL: it was a 500 there).
        if _UNSAFE.search(line):
            raise Refused(f"对账文件第 {n} 行含有非法字符（控制字符）")
        rows.append(_SPLIT.split(line.strip()))
    return rows


def t3202(ctx: Context, node: Node) -> dict:
    data = node.child("data")
    optins = data.ident("setl_optins", 6)
    number = data.ident("file_qury_no", 40)
    begin, end = _dates(data)
    clr_type = data.code("clr_type", ("11", "21", "41", "99"), required=False) or "11"
    stored = UploadedFile.objects.filter(institution=ctx.institution, file_qury_no=number).first()
    if stored is None:
        raise Refused(f"data.file_qury_no 文件查询号 {number} 不存在")
    theirs = {}
    for n, row in enumerate(_file_rows(bytes(stored.content)), 1):
        if len(row) < 6 or row[0] in ("setl_id",):
            if n == 1 and row and row[0] == "setl_id":
                continue
            raise Refused(
                f"对账文件第 {n} 行应有 setl_id、mdtrt_id、psn_no、medfee_sumamt、"
                "fund_pay_sumamt、acct_pay 六列"
            )
        probe = Node(dict(zip(_FILE_COLUMNS, row, strict=False)), f"对账文件第 {n} 行")
        theirs[probe.ident("setl_id", 30)] = (
            probe.ident("mdtrt_id", 30, required=False), probe.ident("psn_no", 30, required=False),
            probe.number("medfee_sumamt"), probe.number("fund_pay_sumamt"),
            probe.number("acct_pay"),
            (row[6].strip() if len(row) > 6 else "0") or "0",
        )  # fmt: skip
    rows = []
    settled = {}
    for insutype in INSUTYPES:
        for s in _ours(ctx, insutype, clr_type, optins, begin, end):
            settled[str(s.pk)] = s
    gateway = {
        str(v.settlement_id): v
        for v in VisitSettlement.objects.filter(
            settlement_id__in=[int(k) for k in settled]
        ).select_related("visit")
    }
    for setl_id in sorted(set(settled) | set(theirs), key=lambda k: (len(k), k)):
        s = settled.get(setl_id)
        t = theirs.get(setl_id)
        ours = (s.total_amount, s.pool_paid, s.account_paid + s.family_account_paid) if s else None
        if s is not None and t is not None and ours == t[2:5] and t[5] == "0":
            continue
        memo = (
            "中心无此结算（或已撤销）" if s is None
            else "机构无此结算" if t is None
            else "机构标记为退费" if t[5] != "0"
            else "金额不符"
        )  # fmt: skip
        vs = gateway.get(setl_id)
        rows.append(
            {
                "setl_id": setl_id,
                "mdtrt_id": vs.visit.mdtrt_id if vs else (t[0] if t else ""),
                "psn_no": _psn_no(s.person_id) if s else t[1],
                "medfee_sumamt": f"{ours[0]:.2f}" if s else None,
                "fund_pay_sumamt": f"{ours[1]:.2f}" if s else None,
                "acct_pay": f"{ours[2]:.2f}" if s else None,
                "msgid": vs.msgid if vs else (s.claim_number if s else ""),
                "stmt_rslt": "1",
                "refd_setl_flag": t[5] if t else "0",
                "memo": memo,
            }
        )
    return {
        "stmtinfo": {
            "setl_optins": optins,
            "stmt_rslt": "1" if rows else "0",
            "stmt_rslt_dscr": f"{len(rows)} 笔结算不一致" if rows else "平",
        },
        "detail": rows,
    }


# --- 5301 / 5206 查询 ---------------------------------------------------------------------------


def t5301(ctx: Context, node: Node) -> dict:
    data = node.child("data")
    person = _patient_by_psn_no(ctx, data)
    _check_insuplc(ctx, person)
    certs = ChronicCertification.objects.filter(person=person, status="approved").select_related(
        "disease"
    )
    return {
        "feedetail": [
            {
                "opsp_dise_code": c.disease.code,
                "opsp_dise_name": c.disease.name,
                "begndate": c.valid_from.isoformat(),
                "enddate": c.valid_to.isoformat() if c.valid_to else None,
            }
            for c in certs.order_by("valid_from", "id")
        ]
    }


CUM_NAMES = {
    "deductible_used": "起付标准累计",
    "pooled": "统筹基金累计支付",
}
BUCKET_NAMES = {"general_outpatient": "普通门诊", "chronic": "门诊慢性病", "special": "门诊特殊病"}


def t5206(ctx: Context, node: Node) -> dict:
    data = node.child("data")
    person = _patient_by_psn_no(ctx, data)
    _check_insuplc(ctx, person)
    cum_ym = data.ident("cum_ym", 6)
    if not re.fullmatch(r"[0-9]{4}(0[1-9]|1[0-2])", cum_ym) or cum_ym.startswith("0000"):
        raise Refused("data.cum_ym 累计年月应为 yyyyMM")
    today = timezone.localdate()
    if (int(cum_ym[:4]), int(cum_ym[4:])) > (today.year, today.month):
        raise Refused("data.cum_ym 累计年月不能晚于本月")
    year = int(cum_ym[:4])
    rows = []
    for a in Accumulator.objects.filter(person=person, year=year).order_by("bucket"):
        for field, name in CUM_NAMES.items():
            rows.append(
                {
                    "insutype": insutype_of(person),
                    "year": str(year),
                    "cum_ym": cum_ym,
                    "cum_type_code": f"{a.bucket}.{field}",
                    "cum_type_name": f"{BUCKET_NAMES.get(a.bucket, a.bucket)}{name}",
                    "cum": f"{getattr(a, field):.2f}",
                }
            )
    # The inpatient pooled total the inpatient system reported for the year (DESIGN.md
    # "Inpatient pooled totals and combined maxima"): counted within a combined maximum.
    inpatient = InpatientTotal.objects.filter(person=person, year=year).first()
    if inpatient is not None:
        rows.append(
            {
                "insutype": insutype_of(person),
                "year": str(year),
                "cum_ym": cum_ym,
                "cum_type_code": "inpatient.pooled",
                "cum_type_name": "住院统筹基金支付（住院系统报送）",
                "cum": f"{inpatient.pooled:.2f}",
            }
        )
    return {"cuminfo": rows}


HANDLERS = {
    "9001": t9001,
    "9101": t9101,
    "1101": t1101,
    "2201": t2201,
    "2202": t2202,
    "2203": t2203,
    "2203A": t2203,
    "2204": t2204,
    "2205": t2205,
    "2206": t2206,
    "2206A": t2206,
    "2207": t2207,
    "2207A": t2207,
    "2208": t2208,
    "2601": t2601,
    "3201": t3201,
    "3202": t3202,
    "5206": t5206,
    "5301": t5301,
}
NAMES = {
    "9001": "签到", "9101": "文件上传", "1101": "人员信息获取", "2201": "门诊挂号",
    "2202": "门诊挂号撤销", "2203": "门诊就诊信息上传", "2203A": "门诊就诊信息上传",
    "2204": "门诊费用明细信息上传", "2205": "门诊费用明细信息撤销", "2206": "门诊预结算",
    "2206A": "门诊预结算", "2207": "门诊结算", "2207A": "门诊结算", "2208": "门诊结算撤销",
    "2601": "冲正交易", "3201": "医药机构费用结算对总账", "3202": "医药机构费用结算对明细账",
    "5206": "人员累计信息查询", "5301": "人员慢特病备案查询",
}  # fmt: skip
