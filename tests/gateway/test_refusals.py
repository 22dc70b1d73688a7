"""Bad input over /api/hsa/: every refusal is infcode -1 with a Chinese err_msg naming the field
or the rule (HTTP 200), and changes nothing; idempotency by msgid; least privilege."""

import json
import time
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from claims.models import Settlement
from gateway.models import FeeLine, Message, SignIn, UploadedFile, Visit, VisitSettlement
from tests.factories import UserFactory

from .conftest import His, api_client, now_text
from .test_his_flow import fee_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(world):
    """A Wuhan employee registered at a level-1 hospital, with 20 fee lines uploaded."""
    person = world.employee("420100", balance="1000.00")
    his = His(world.hospital("420100"))
    psn_no = str(person.pk)
    mdtrt_id = his.ok(
        "2201",
        {
            "data": {
                "psn_no": psn_no, "insutype": "310", "begntime": now_text(60),
                "mdtrt_cert_type": "02", "mdtrt_cert_no": person.id_number,
                "ipt_otp_no": "MZ1", "atddr_no": "D1", "dr_name": "张医生", "dept_code": "A03",
                "dept_name": "内科", "caty": "A03",
            }
        },
        insuplc="420100",
    )["data"]["mdtrt_id"]  # fmt: skip
    lines = fee_lines(mdtrt_id, psn_no, n=20)
    his.ok("2204", {"feedetail": lines}, insuplc="420100")
    total = sum(D(x["det_item_fee_sumamt"]) for x in lines)
    settle = {
        "psn_no": psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": person.id_number,
        "med_type": "11", "medfee_sumamt": f"{total:.2f}", "psn_setlway": "01",
        "mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "acct_used_flag": "1", "insutype": "310",
    }  # fmt: skip
    return his, person, psn_no, mdtrt_id, settle


def state():
    return (
        Message.objects.count(), SignIn.objects.count(), Visit.objects.filter(status="registered").count(),
        FeeLine.objects.count(), FeeLine.objects.filter(settlement__isnull=False).count(),
        Settlement.objects.count(), Settlement.objects.filter(status="reversed").count(),
        VisitSettlement.objects.count(), UploadedFile.objects.count(),
    )  # fmt: skip


def inputs(psn_no, mdtrt_id, settle):
    """A valid input per transaction, and the field each test removes or spoils."""
    return {
        "9001": ({"signIn": {"opter_no": "1", "ip": "10.0.0.1"}}, "signIn", "opter_no"),
        "1101": ({"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": "X"}}, "data", "mdtrt_cert_no"),
        "2201": ({"data": {"psn_no": psn_no, "insutype": "310", "begntime": now_text(5),
                           "mdtrt_cert_type": "02", "mdtrt_cert_no": settle["mdtrt_cert_no"], "ipt_otp_no": "MZ2",
                           "atddr_no": "D1", "dr_name": "医生", "dept_code": "A", "dept_name": "内科",
                           "caty": "A03"}}, "data", "begntime"),
        "2202": ({"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": "MZ1"}},
                 "data", "ipt_otp_no"),
        "2203": ({"mdtrtinfo": {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": "11",
                                "begntime": now_text(60)}}, "mdtrtinfo", "med_type"),
        "2205": ({"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "B1", "psn_no": psn_no}},
                 "data", "chrg_bchno"),
        "2206": ({"data": dict(settle)}, "data", "medfee_sumamt"),
        "2207": ({"data": dict(settle)}, "data", "acct_used_flag"),
        "2208": ({"data": {"setl_id": "1", "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
                 "data", "setl_id"),
        "2601": ({"data": {"psn_no": psn_no, "omsgid": "X1", "oinfno": "2207"}}, "data", "omsgid"),
        "3201": ({"data": {"insutype": "310", "clr_type": "11", "setl_optins": "420100",
                           "stmt_begndate": "2026-01-01", "stmt_enddate": "2026-01-31",
                           "medfee_sumamt": "0", "fund_pay_sumamt": "0", "acct_pay": "0",
                           "fixmedins_setl_cnt": 0}}, "data", "stmt_begndate"),
        "3202": ({"data": {"setl_optins": "420100", "file_qury_no": "F1",
                           "stmt_begndate": "2026-01-01", "stmt_enddate": "2026-01-31"}},
                 "data", "file_qury_no"),
        "5301": ({"data": {"psn_no": psn_no}}, "data", "psn_no"),
        "5206": ({"data": {"psn_no": psn_no, "cum_ym": "202601"}}, "data", "cum_ym"),
    }  # fmt: skip


def test_each_transaction_refuses_a_missing_required_field_and_changes_nothing(visit):
    his, _person, psn_no, mdtrt_id, settle = visit
    before = state()
    for infno, (payload, node, field) in inputs(psn_no, mdtrt_id, settle).items():
        broken = json.loads(json.dumps(payload))
        del broken[node][field]
        err = his.refused(infno, broken, insuplc="420100")
        assert field in err and "不能为空" in err and infno in err, (infno, err)
    # 2204: a line without its amount.
    line = fee_lines(mdtrt_id, psn_no, n=1)[0]
    del line["det_item_fee_sumamt"]
    assert "feedetail[0].det_item_fee_sumamt 不能为空" in his.refused(
        "2204", {"feedetail": [line]}, insuplc="420100"
    )
    assert state() == before


@pytest.mark.parametrize(
    ("infno", "node", "field", "value", "words"),
    [
        ("2201", "data", "begntime", "2026/03/01 10:00", "yyyy-MM-dd HH:mm:ss"),
        ("2201", "data", "insutype", "999", "代码表"),
        ("2206", "data", "medfee_sumamt", "1,200.00", "数值型"),
        ("2206", "data", "medfee_sumamt", "１２００", "数值型"),
        ("2207", "data", "medfee_sumamt", [1], "数值型"),
        ("2207", "data", "acct_used_flag", "2", "代码表"),
        ("2207", "data", "medfee_sumamt", "1.001", "小数位"),
        ("5206", "data", "cum_ym", "209901", "不能晚于本月"),
        ("5206", "data", "cum_ym", "2026-1", "yyyyMM"),
        ("3201", "data", "stmt_enddate", "20260131", "yyyy-MM-dd"),
    ],
)
def test_wrong_types_are_refused_naming_the_field(visit, infno, node, field, value, words):
    his, _person, psn_no, mdtrt_id, settle = visit
    payload = json.loads(json.dumps(inputs(psn_no, mdtrt_id, settle)[infno][0]))
    payload[node][field] = value
    before = state()
    err = his.refused(infno, payload, insuplc="420100")
    assert field in err and words in err, err
    assert state() == before


def test_a_2204_line_with_a_bad_amount_refuses_the_whole_batch(visit):
    his, _person, psn_no, mdtrt_id, _settle = visit
    lines = fee_lines(mdtrt_id, psn_no, n=5)
    for i, line in enumerate(lines):
        line["feedetl_sn"] = f"N{i}"
    lines[3]["det_item_fee_sumamt"] = "abc"
    before = state()
    assert "feedetail[3].det_item_fee_sumamt 类型错误" in his.refused(
        "2204", {"feedetail": lines}, insuplc="420100"
    )
    lines[3]["det_item_fee_sumamt"] = "-1.00"
    assert "不能小于" in his.refused("2204", {"feedetail": lines}, insuplc="420100")
    assert state() == before


def test_envelopes_unknown_transactions_and_the_wrong_institution(visit, world):
    his, _person, psn_no, _mdtrt_id, _settle = visit
    before = state()
    assert "9999" in his.refused("9999", {"data": {}})
    body = his.envelope("5301", {"data": {"psn_no": psn_no}}, insuplc="420100")
    assert "fixmedins_code" in his.post({**body, "fixmedins_code": "H99999"})["err_msg"]
    del body["msgid"]
    assert "msgid" in his.post(body)["err_msg"]
    for raw in (b"not json", b"[1, 2]", b'{"infno": 1}'):
        response = his.client.post("/api/hsa/", raw, content_type="application/json")
        assert response.status_code == 200 and response.json()["infcode"] == -1
        assert response.json()["err_msg"]
    assert APIClient().post("/api/hsa/", {}, format="json").status_code == 401
    clerk = api_client(UserFactory(roles=["clerk"]))
    assert clerk.post("/api/hsa/", {}, format="json").status_code == 403
    # Whatever the Accept header a renderer serves, the same answer and headers; a bad token,
    # a bad Authorization header or an Accept header no renderer serves get DRF's answers.
    short = his.client.post("/api/hsa/", b"not json", content_type="application/json")
    drf = his.client.post(
        "/api/hsa/", b"not json", content_type="application/json", HTTP_ACCEPT="application/*"
    )
    for response in (short, drf):
        assert response.status_code == 200 and response.json()["infcode"] == -1
        assert response["Allow"] == "POST, OPTIONS" and "Accept" in response["Vary"]
        assert response["Content-Type"] == "application/json; charset=utf-8"
    assert short.json()["err_msg"] == drf.json()["err_msg"]
    for header in ("Token nosuchkey", "Token", "Token a b"):
        bad = APIClient().post("/api/hsa/", {}, format="json", HTTP_AUTHORIZATION=header)
        assert bad.status_code == 401 and bad["WWW-Authenticate"] == "Token"
    refused = his.client.post("/api/hsa/", {}, format="json", HTTP_ACCEPT="text/csv")
    assert refused.status_code == 406
    unlinked = api_client(UserFactory(roles=["institution"])).post("/api/hsa/", {}, format="json")
    assert unlinked.status_code == 200 and "未关联定点医药机构" in unlinked.json()["err_msg"]
    assert state() == before


def test_the_same_message_gets_the_same_answer_and_a_used_msgid_is_refused(visit):
    his, person, _psn_no, _mdtrt_id, settle = visit
    body = his.envelope("2207", {"data": settle}, insuplc="420100")
    first = his.post(body)
    assert first["infcode"] == 0
    again = his.post({**body, "inf_time": now_text(0)})  # a resend: the clock moved
    assert again == first
    assert Settlement.objects.count() == 1
    other = his.post({**body, "input": {"data": {**settle, "acct_used_flag": "0"}}})
    assert other["infcode"] == -1 and "已被另一笔报文使用" in other["err_msg"]
    # A new message for the settled visit finds nothing left to settle.
    assert "无待结算的费用明细" in his.refused("2207", {"data": settle}, insuplc="420100")
    assert Settlement.objects.count() == 1


def test_another_institutions_visit_is_unknown_to_it(visit, world):
    his, _person, psn_no, mdtrt_id, settle = visit
    other = His(world.hospital("420100", level="2"))
    before = state()
    err = other.refused("2207", {"data": settle}, insuplc="420100")
    assert "mdtrt_id" in err and "不存在" in err
    assert "mdtrt_id" in other.refused(
        "2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": psn_no}},
        insuplc="420100",
    )  # fmt: skip
    assert state() == before


def test_another_institutions_patient_is_not_readable_by_psn_no(visit, world):
    """Least privilege (个人信息保护法 第二十八条): 5301 (certifications: a disease) and 5206
    (year-to-date totals), and 2601 (whose 参保地 check named the region), answer for the
    institution's own patients only, a person it has
    registered (2201) or settled, and 2201 needs the patient's card: an 人员编号 tried alone
    reads nothing, and the refusal does not tell whether the number exists or where."""
    his, person, psn_no, _mdtrt_id, settle = visit
    world.certify(person)
    his.ok("2207", {"data": settle}, insuplc="420100")
    other = His(world.hospital("420100", level="2"))
    year_month = f"{now_text(0)[:4]}01"
    queries = {
        "5301": {"data": {"psn_no": psn_no}},
        "5206": {"data": {"psn_no": psn_no, "cum_ym": year_month}},
        "2601": {"data": {"psn_no": psn_no, "omsgid": "X1", "oinfno": "2207"}},
    }
    # The institution that registered and settled the patient reads both.
    assert his.ok("5301", queries["5301"], insuplc="420100")["feedetail"]
    assert his.ok("5206", queries["5206"], insuplc="420100")["cuminfo"]
    before = state()
    unknown = {infno: {"data": {**q["data"], "psn_no": "99999999"}} for infno, q in queries.items()}
    for infno, payload in queries.items():
        for insuplc in ("420100", "110000"):
            err = other.refused(infno, payload, insuplc=insuplc)
            assert "未在本机构核验身份、挂号或结算" in err, err
            assert "I10" not in err and "420100" not in err
        # An unknown number gets the same answer (nothing to enumerate).
        assert other.refused(infno, unknown[infno], insuplc="420100") == err
    # 2201 with the 人员编号 and someone else's card (or none that matches) is refused ...
    registration = {
        "psn_no": psn_no, "insutype": "310", "begntime": now_text(5), "mdtrt_cert_type": "02",
        "mdtrt_cert_no": world.employee("420100").id_number, "ipt_otp_no": "MZ9",
        "atddr_no": "D1", "dr_name": "医生", "dept_code": "A", "dept_name": "内科", "caty": "A03",
    }  # fmt: skip
    assert "mdtrt_cert_no" in other.refused("2201", {"data": registration}, insuplc="420100")
    assert "mdtrt_cert_type" in other.refused(
        "2201", {"data": {**registration, "mdtrt_cert_type": "01"}}, insuplc="420100"
    )
    assert state() == before
    # ... and with the patient's own card (lower-case X accepted) the patient is its patient.
    card = {**registration, "mdtrt_cert_no": person.id_number.lower()}
    other.ok("2201", {"data": card}, insuplc="420100")
    assert other.ok("5301", queries["5301"], insuplc="420100")["feedetail"]
    # A third institution that identified the patient by the card (1101) reads 5301 before
    # registering, as a HIS does before choosing 门诊慢特病 (the REST preview's rule too).
    third = His(world.hospital("420100", level="3"))
    assert third.refused("5301", queries["5301"], insuplc="420100")
    third.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": person.id_number}})
    assert third.ok("5301", queries["5301"], insuplc="420100")["feedetail"]


def test_2202_refuses_a_settled_visit_and_2601_and_2208_each_undo_once(visit):
    his, _person, psn_no, mdtrt_id, settle = visit
    settled = his.ok("2207", {"data": settle}, insuplc="420100")["setlinfo"]
    msgid = his.last_msgid
    cancel = {"data": {"psn_no": psn_no, "mdtrt_id": mdtrt_id, "ipt_otp_no": "MZ1"}}
    assert "已有结算" in his.refused("2202", cancel, insuplc="420100")
    undo = {"data": {"psn_no": psn_no, "omsgid": msgid, "oinfno": "2207"}}
    assert his.ok("2601", undo, insuplc="420100") is None
    assert "原交易已冲正" in his.refused("2601", undo, insuplc="420100")
    reverse = {"data": {"setl_id": settled["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}}
    assert "已冲正" in his.refused("2208", reverse, insuplc="420100")
    assert Settlement.objects.get().status == "reversed"
    # Settled anew, then 2208, then a second 2208 is refused.
    again = his.ok("2207", {"data": settle}, insuplc="420100")["setlinfo"]
    reverse["data"]["setl_id"] = again["setl_id"]
    his.ok("2208", reverse, insuplc="420100")
    assert "已撤销" in his.refused("2208", reverse, insuplc="420100")
    # No live settlement: the registration may be cancelled; the free lines go with it.
    assert his.ok("2202", cancel, insuplc="420100") is None
    assert Visit.objects.get(mdtrt_id=mdtrt_id).status == "cancelled"


def test_2204_costs_the_same_queries_for_200_lines_as_for_20(world):
    person = world.employee("420100", balance="0.00")
    his = His(world.hospital("420100"))
    psn_no = str(person.pk)

    def register(n):
        return his.ok(
            "2201",
            {
                "data": {
                    "psn_no": psn_no, "insutype": "310", "begntime": now_text(60),
                    "mdtrt_cert_type": "02", "mdtrt_cert_no": person.id_number,
                    "ipt_otp_no": f"MZ{n}", "atddr_no": "D1", "dr_name": "医生",
                    "dept_code": "A", "dept_name": "内科", "caty": "A03",
                }
            },
            insuplc="420100",
        )["data"]["mdtrt_id"]  # fmt: skip

    def upload(n):
        mdtrt_id = register(n)
        lines = fee_lines(mdtrt_id, psn_no, n=30)
        lines = [{**lines[i % 30], "feedetl_sn": f"{i:05d}", "chrg_bchno": "B1"} for i in range(n)]
        body = his.envelope("2204", {"feedetail": lines}, insuplc="420100")
        with CaptureQueriesContext(connection) as queries:
            # The process's CPU time, not the wall clock: the cost of the message here (and of
            # SQLite's work, in-process), unmoved by other processes sharing the machine's cores.
            start = time.process_time()
            answer = his.post(body)
            elapsed = time.process_time() - start
        assert answer["infcode"] == 0 and len(answer["output"]["result"]) == n
        return len(queries), elapsed

    upload(20)  # warm-up: caches, prepared statements
    # Interleaved, the best of seven each: the machine's other load drifts over the run.
    smalls, bigs = [], []
    for _ in range(7):
        smalls.append(upload(20))
        bigs.append(upload(200))
    small_queries, small = min(smalls)
    big_queries, big = min(bigs)
    # No query per line: on PostgreSQL the same statements; SQLite splits the one INSERT into
    # chunks by its bound-parameter limit (a few more statements, still not 180 more).
    if connection.vendor == "postgresql":
        assert big_queries == small_queries, (small_queries, big_queries)
    else:
        assert big_queries <= small_queries + 10, (small_queries, big_queries)
    assert big <= 3 * small + 0.05, (small, big)


def test_5206_reports_the_years_outpatient_and_reported_inpatient_pooled_totals(visit):
    # 5206 累计信息查询: the outpatient accumulators of the year and the inpatient pooled total the
    # inpatient system reported (PUT /api/v1/persons/{id}/inpatient-totals/{year}/).
    from datetime import date

    from claims.models import InpatientTotal

    his, person, psn_no, _mdtrt_id, settle = visit
    his.ok("2207", {"data": settle}, insuplc="420100")
    year = date.today().year
    InpatientTotal.objects.create(
        person=person, year=year, pooled=D("12345.60"), as_of=date(year, 1, 1), source="住院系统"
    )
    rows = his.ok("5206", {"data": {"psn_no": psn_no, "cum_ym": f"{year}01"}}, insuplc="420100")
    cum = {r["cum_type_code"]: r["cum"] for r in rows["cuminfo"]}
    assert cum["inpatient.pooled"] == "12345.60"
    assert any(code.startswith("general_outpatient.") for code in cum)


def test_2601_finds_the_original_through_the_visit_kept_with_its_message(visit):
    """A 2601 reads the original's settlement (2207) or lines (2204) through the visit kept with
    the original message, by the visit's indexes: not a scan of every settlement or fee line of
    every institution for the msgid."""
    his, _person, psn_no, mdtrt_id, settle = visit
    upload_msgid = his.last_msgid  # the fixture's 2204
    upload = Message.objects.get(msgid=upload_msgid)
    assert upload.infno == "2204" and upload.visit.mdtrt_id == mdtrt_id
    his.ok("2207", {"data": settle}, insuplc="420100")
    settle_msgid = his.last_msgid
    assert Message.objects.get(msgid=settle_msgid).visit_id == upload.visit_id
    for omsgid, oinfno, table in (
        (settle_msgid, "2207", "gateway_visitsettlement"),
        (upload_msgid, "2204", "gateway_feeline"),  # free again: the 2207 was undone
    ):
        undo = {"data": {"psn_no": psn_no, "omsgid": omsgid, "oinfno": oinfno}}
        with CaptureQueriesContext(connection) as queries:
            assert his.ok("2601", undo, insuplc="420100") is None
        by_msgid = [
            q["sql"]
            for q in queries.captured_queries
            if f'"{table}"' in q["sql"] and '"msgid" =' in q["sql"]
        ]
        assert by_msgid, queries.captured_queries
        for statement in by_msgid:
            assert f'"{table}"."visit_id" = {upload.visit_id}' in statement, statement
    assert Settlement.objects.get().status == "reversed"
    assert not FeeLine.objects.filter(visit_id=upload.visit_id).exists()
