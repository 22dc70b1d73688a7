"""The settlement path's messages (2204, 2206, 2207) outside any test transaction, as a server
runs them: one fused transaction per message (``staff.sql.fused_transaction``, BEGIN riding on
the first statement, COMMIT on the message's INSERT), the settlement service joined to it. The
other gateway tests run inside the test's transaction, where a fused transaction is a plain
atomic block."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg.pq import TransactionStatus

from accounts.models import PersonalAccount
from claims.models import Settlement
from gateway.models import FeeLine, Message, VisitSettlement

from .conftest import His, World, now_text
from .test_his_flow import fee_lines, settle_visit


def _idle():
    raw = connection.connection
    return raw is None or raw.info.transaction_status == TransactionStatus.IDLE


@pytest.fixture
def world_tx(postgres_tx):
    return World()


def test_a_visit_settles_through_fused_transactions_and_a_refusal_changes_nothing(world_tx):
    world = world_tx
    person = world.employee("420100", balance="1000.00")
    his = His(world.hospital("420100"))
    # The whole HIS flow, every figure against /api/v1/claims/preview/ (settle_visit's checks).
    _psn_no, _mdtrt_id, _region, settled, _rest = settle_visit(his, person)
    assert _idle()
    s = settled["setlinfo"]
    # balc: the service's balance after the debit, equal to the account's stored balance.
    assert s["balc"] == f"{PersonalAccount.objects.get(person=person).balance:.2f}"
    assert D(s["acct_pay"]) > 0

    # A second visit: 2204 in three round trips (token with institution and msgid; the visit,
    # lines, policy and catalogue; the lines' INSERT with the message and COMMIT); one more
    # when the visit began on another day than today (the policy read again for its day).
    begntime = now_text(60)
    registered = his.ok(
        "2201",
        {
            "data": {
                "psn_no": str(person.pk), "insutype": "310", "begntime": begntime,
                "mdtrt_cert_type": "02", "mdtrt_cert_no": person.id_number,
                "ipt_otp_no": "MZF2", "atddr_no": "D1", "dr_name": "医生",
                "dept_code": "A", "dept_name": "内科", "caty": "A03",
            }
        },
        insuplc="420100",
    )["data"]  # fmt: skip
    mdtrt_id, psn_no = registered["mdtrt_id"], str(person.pk)
    lines = fee_lines(mdtrt_id, psn_no, n=20)
    with CaptureQueriesContext(connection) as queries:
        his.ok("2204", {"feedetail": lines}, insuplc="420100")
    executes = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("PREPARE")]
    other_day = begntime[:10] != timezone.localdate().isoformat()
    assert len(executes) == 3 + other_day, executes
    assert executes[1].startswith("BEGIN") and executes[-1].rstrip().endswith("COMMIT")
    assert _idle()
    uploaded = FeeLine.objects.filter(visit__mdtrt_id=mdtrt_id).count()
    assert uploaded == 20

    # The same serial numbers again: refused after the visit's lock; nothing kept, no open
    # transaction left behind.
    messages = Message.objects.count()
    assert "已上传" in his.refused("2204", {"feedetail": lines}, insuplc="420100")
    assert _idle() and Message.objects.count() == messages

    total = sum(D(line["det_item_fee_sumamt"]) for line in lines)
    data = {
        "psn_no": psn_no, "mdtrt_cert_type": "02", "med_type": "11",
        "medfee_sumamt": f"{total + 1:.2f}", "psn_setlway": "01", "mdtrt_id": mdtrt_id,
        "chrg_bchno": "0000", "acct_used_flag": "1", "insutype": "310",
    }  # fmt: skip
    # 2207 refused after the visit's lock (the total differs from the lines): nothing written.
    settlements = Settlement.objects.count()
    assert "medfee_sumamt" in his.refused("2207", {"data": data}, insuplc="420100")
    assert _idle()
    assert Settlement.objects.count() == settlements and Message.objects.count() == messages
    assert not FeeLine.objects.filter(visit__mdtrt_id=mdtrt_id, settlement__isnull=False).exists()

    data["medfee_sumamt"] = f"{total:.2f}"
    with CaptureQueriesContext(connection) as queries:
        pre = his.ok("2206", {"data": data}, insuplc="420100")["setlinfo"]
    # The pre-settlement's COMMIT does not wait for the disk (it keeps only its answer) ...
    last = queries.captured_queries[-1]["sql"].rstrip()
    assert last.endswith("SET LOCAL synchronous_commit TO OFF; COMMIT"), last
    balance = PersonalAccount.objects.get(person=person).balance
    assert pre["balc"] == f"{balance - D(pre['acct_pay']):.2f}"
    with CaptureQueriesContext(connection) as queries:
        done = his.ok("2207", {"data": data}, insuplc="420100")["setlinfo"]
    # ... the settlement's does, as every other message's.
    texts = [q["sql"] for q in queries.captured_queries]
    assert texts[-1].rstrip().endswith("COMMIT") and not any(
        "synchronous_commit" in t for t in texts
    )
    assert _idle()
    # The kept answer is the one sent (encoded once for both).
    kept = Message.objects.get(msgid=his.last_msgid).answer
    assert kept["output"]["setlinfo"] == done and kept["infcode"] == 0
    assert {k: done[k] for k in ("hifp_pay", "acct_pay", "psn_cash_pay")} == {
        k: pre[k] for k in ("hifp_pay", "acct_pay", "psn_cash_pay")
    }
    assert done["balc"] == f"{PersonalAccount.objects.get(person=person).balance:.2f}"
    link = VisitSettlement.objects.get(settlement_id=int(done["setl_id"]))
    assert FeeLine.objects.filter(settlement_id=link.settlement_id).count() == 20
    # The same 2207 again: the kept answer.
    again = his.send("2207", {"data": data}, msgid=his.last_msgid, insuplc="420100")
    assert again["output"]["setlinfo"]["setl_id"] == done["setl_id"]
