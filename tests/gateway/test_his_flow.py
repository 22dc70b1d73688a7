"""A HIS settles three patients through /api/hsa/ exactly as the platform's clients do, and every
figure equals what /api/v1/claims/preview/ gives for the same claim."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from accounts.models import PersonalAccount
from catalogue.demo import demo_rows
from claims.models import Accumulator, Settlement
from gateway.models import FeeLine, VisitSettlement
from staff.models import AuditEvent

from .conftest import His, now_text

pytestmark = pytest.mark.django_db


def fee_lines(mdtrt_id, psn_no, *, region_rate_items=True, n=30, scale=1):
    """30 lines: drugs, services and materials of all three levels; some above the ceiling."""
    rows = [
        r
        for r in demo_rows()
        if region_rate_items or not (r["chrgitm_lv"] == "02" and r["selfpay_prop"] is None)
    ]
    picked = rows[:: max(1, len(rows) // n)][:n]
    lines = []
    for i, r in enumerate(picked, 1):
        ceiling = r["price_ceiling"] or D("20")
        cnt = D((1 + i % 3) * scale)
        # Every fourth line is priced above its ceiling.
        price = (ceiling * (D("1.25") if i % 4 == 0 else D("0.9"))).quantize(D("0.01"))
        amount = (price * cnt).quantize(D("0.01"))
        lines.append(
            {
                "feedetl_sn": f"{i:04d}",
                "mdtrt_id": mdtrt_id,
                "psn_no": psn_no,
                "chrg_bchno": "B1" if i <= n // 2 else "B2",
                "rx_circ_flag": "0",
                "fee_ocur_time": now_text(30),
                "med_list_codg": r["code"],
                "medins_list_codg": f"HIS{i:05d}",
                "det_item_fee_sumamt": f"{amount:.2f}",
                "cnt": f"{cnt}",
                "pric": f"{price}",
                "bilg_dept_codg": "A03",
                "bilg_dept_name": "内科",
                "bilg_dr_codg": "D001",
                "bilg_dr_name": "张医生",
                "hosp_appr_flag": "1",
            }
        )
    # One line the catalogue does not know: fully self-paid.
    lines[-1]["med_list_codg"] = "NOT-IN-CATALOGUE"
    return lines


def claim_of_lines(result_rows) -> dict:
    """The claim's aggregates from 2204's answers, as an institution would send them over REST."""
    own = {r["code"] for r in demo_rows() if r["selfpay_prop"] is not None}
    codes = {r["feedetl_sn"]: r for r in result_rows}
    total = sum(D(r["det_item_fee_sumamt"]) for r in result_rows)
    self_pay = sum(D(r["fulamt_ownpay_amt"]) + D(r["overlmt_amt"]) for r in result_rows)
    class_b = D("0")
    for r in codes.values():
        if r["_code"] in own:
            self_pay += D(r["preselfpay_amt"])
        elif r["chrgitm_lv"] == "02":
            class_b += D(r["preselfpay_amt"]) + D(r["inscp_scp_amt"])
    return {"total_amount": total, "self_pay_amount": self_pay, "class_b_amount": class_b}


def settle_visit(
    his, person, *, med_type="11", dise=("", ""), holder=None, region_rate=True, scale=1
):
    sign = his.ok(
        "9001", {"signIn": {"opter_no": "0001", "mac": "00-16-EA-AE-3C-40", "ip": "10.1.1.2"}}
    )
    his.sign_no = sign["signinoutb"]["sign_no"]
    info = his.ok(
        "1101",
        {
            "data": {
                "mdtrt_cert_type": "02",
                "mdtrt_cert_no": person.id_number,
                "psn_name": person.name,
            }
        },
    )
    psn_no = info["baseinfo"]["psn_no"]
    insu = info["insuinfo"][0]
    region = insu["insuplc_admdvs"]
    assert region == person.region.code and info["baseinfo"]["certno"] == person.id_number
    holder_no = ""
    if holder is not None:
        assert [m["psn_no"] for m in info["mulaidinfo"]] == [str(holder.pk)]
        holder_no = info["mulaidinfo"][0]["psn_no"]
    registered = his.ok(
        "2201",
        {
            "data": {
                "psn_no": psn_no, "insutype": insu["insutype"], "begntime": now_text(60),
                "mdtrt_cert_type": "02", "mdtrt_cert_no": person.id_number,
                "ipt_otp_no": f"MZ{his.msgid()[-8:]}", "atddr_no": "D001", "dr_name": "张医生",
                "dept_code": "A03", "dept_name": "内科", "caty": "A03",
            }
        },
        insuplc=region,
    )["data"]  # fmt: skip
    mdtrt_id = registered["mdtrt_id"]
    his.ok(
        "2203",
        {
            "mdtrtinfo": {
                "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_type": med_type,
                "begntime": now_text(60), "dise_codg": dise[0], "dise_name": dise[1],
            },
            "diseinfo": [
                {
                    "diag_type": "1", "diag_srt_no": 1, "diag_code": dise[0] or "J06.900",
                    "diag_name": dise[1] or "急性上呼吸道感染", "diag_dept": "内科",
                    "dise_dor_no": "D001", "dise_dor_name": "张医生", "diag_time": now_text(50),
                    "vali_flag": "1",
                }
            ],
        },
        insuplc=region,
    )  # fmt: skip
    lines = fee_lines(mdtrt_id, psn_no, region_rate_items=region_rate, scale=scale)
    results = []
    for batch in (lines[:15], lines[15:]):
        out = his.ok("2204", {"feedetail": batch}, insuplc=region)["result"]
        for sent, got in zip(batch, out, strict=True):
            assert got["feedetl_sn"] == sent["feedetl_sn"]
            got["_code"] = sent["med_list_codg"]
            parts = [
                got[k]
                for k in ("fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")
            ]
            assert sum(D(p) for p in parts) == D(sent["det_item_fee_sumamt"])
        results += out
    assert results[-1]["fulamt_ownpay_amt"] == results[-1]["det_item_fee_sumamt"]
    assert any(D(r["overlmt_amt"]) > 0 for r in results)
    claim = claim_of_lines(results)
    data = {
        "psn_no": psn_no, "mdtrt_cert_type": "02", "mdtrt_cert_no": person.id_number,
        "med_type": med_type, "medfee_sumamt": f"{claim['total_amount']:.2f}",
        "psn_setlway": "01", "mdtrt_id": mdtrt_id, "chrg_bchno": "0000",
        "acct_used_flag": "1", "insutype": insu["insutype"],
    }  # fmt: skip
    if holder_no:
        data["acct_mulaid_psn_no"] = holder_no
    pre = his.ok("2206", {"data": data}, insuplc=region)
    # The same claim through the REST API's preview.
    body = {
        "claim_number": "REST-PREVIEW",
        "person": person.pk,
        "institution": his.institution.pk,
        "visit_date": (timezone.localtime() - timedelta(minutes=60)).date().isoformat(),
        "benefit": {"11": "general_outpatient", "14": pre_benefit(dise)}[med_type],
        "total_amount": f"{claim['total_amount']:.2f}",
        "self_pay_amount": f"{claim['self_pay_amount']:.2f}",
        "class_b_amount": f"{claim['class_b_amount']:.2f}",
        "disease_code": dise[0][:3] if dise[0] else "",
        "account_holder": holder.pk if holder else None,
    }
    rest = his.rest.post("/api/v1/claims/preview/", body, format="json")
    assert rest.status_code == 200, rest.content
    rest = rest.json()
    settled = his.ok("2207", {"data": {**data, "invono": "FP0001"}}, insuplc=region)
    for answer in (pre, settled):
        s = answer["setlinfo"]
        assert s["medfee_sumamt"] == rest["total_amount"]
        assert s["act_pay_dedc"] == rest["deductible_applied"]
        assert s["hifp_pay"] == s["fund_pay_sumamt"] == rest["pool_paid"]
        assert D(s["acct_pay"]) == D(rest["account_paid"]) + D(rest["family_account_paid"])
        assert s["acct_mulaid_pay"] == rest["family_account_paid"]
        assert s["psn_cash_pay"] == rest["cash_paid"]
        own_pre = D(rest["self_pay_amount"]) - D(s["fulamt_ownpay_amt"]) - D(s["overlmt_selfpay"])
        assert D(s["preselfpay_amt"]) == D(rest["first_pay_amount"]) + own_pre
        assert D(s["inscp_scp_amt"]) == D(rest["policy_amount"]) - D(rest["first_pay_amount"])
        parts = ("fulamt_ownpay_amt", "overlmt_selfpay", "preselfpay_amt", "inscp_scp_amt")
        assert sum(D(s[p]) for p in parts) == D(s["medfee_sumamt"])
        assert D(s["medfee_sumamt"]) == D(s["fund_pay_sumamt"]) + D(s["psn_part_amt"])
        assert D(s["psn_part_amt"]) == D(s["acct_pay"]) + D(s["psn_cash_pay"])
        assert s["medins_setl_id"] == his.last_msgid or answer is pre
        detail = {d["fund_pay_type"]: d for d in answer["setldetail"]}
        pool_type = "390100" if insu["insutype"] == "390" else "310100"
        assert detail[pool_type]["fund_payamt"] == s["hifp_pay"]
        if D(s["acct_pay"]):
            assert detail["310200"]["fund_payamt"] == s["acct_pay"]
    assert pre["setlinfo"]["setl_id"] == "" and settled["setlinfo"]["setl_id"]
    settlement = Settlement.objects.get(pk=int(settled["setlinfo"]["setl_id"]))
    assert settlement.claim_number == settled["setlinfo"]["medins_setl_id"]
    assert FeeLine.objects.filter(settlement=settlement).count() == 30
    return psn_no, mdtrt_id, region, settled, rest


def pre_benefit(dise):
    from claims.models import Disease

    return Disease.objects.get(code=dise[0][:3]).kind if dise[0] else "general_outpatient"


def test_wuhan_employee_settles_reconciles_and_reverses(world):
    person = world.employee("420100", balance="1000.00")
    his = His(world.hospital("420100", level="1"))
    # An earlier visit through the REST API uses 600 of the 700 deductible (same accumulators).
    earlier = {
        "claim_number": "REST-1", "person": person.pk, "institution": his.institution.pk,
        "visit_date": timezone.localdate().isoformat(), "benefit": "general_outpatient",
        "total_amount": "600.00",
    }  # fmt: skip
    assert his.rest.post("/api/v1/claims/", earlier, format="json").status_code == 201
    psn_no, mdtrt_id, region, settled, rest = settle_visit(his, person)
    s = settled["setlinfo"]
    assert s["act_pay_dedc"] == "100.00" and D(s["hifp_pay"]) > 0
    assert D(s["preselfpay_amt"]) > 0  # 乙类 at Wuhan's 10 % (第十四条)
    assert "第十四条" in " ".join(d["setl_proc_info"] for d in settled["setldetail"])
    balance = PersonalAccount.objects.get(person=person).balance
    assert s["balc"] == f"{balance:.2f}"
    today = timezone.localdate().isoformat()
    # The day's totals: both settlements of the institution, over either channel.
    check = {
        "insutype": "310", "clr_type": "11", "setl_optins": region,
        "stmt_begndate": today, "stmt_enddate": today,
        "medfee_sumamt": f"{D(s['medfee_sumamt']) + 600:.2f}",
        "fund_pay_sumamt": s["fund_pay_sumamt"], "acct_pay": f"{D(s['acct_pay']) + 600:.2f}",
        "fixmedins_setl_cnt": 2,
    }  # fmt: skip
    out = his.ok("3201", {"data": check})["stmtinfo"]
    assert (out["stmt_rslt"], out["stmt_rslt_dscr"]) == ("0", "平")
    out = his.ok("3201", {"data": {**check, "fixmedins_setl_cnt": 3}})["stmtinfo"]
    assert out["stmt_rslt"] == "1" and "结算笔数" in out["stmt_rslt_dscr"]
    # 3202 with the institution's file: both settlements, figures as ours → balanced.
    rest_id = Settlement.objects.get(claim_number="REST-1").pk
    row = (
        "\t".join(
            [
                s["setl_id"],
                mdtrt_id,
                psn_no,
                s["medfee_sumamt"],
                s["fund_pay_sumamt"],
                s["acct_pay"],
                "0",
            ]
        )
        + f"\n{rest_id}\t\t{psn_no}\t600.00\t0.00\t600.00\t0\n"
    )
    uploaded = his.ok("9101", {"fsUploadIn": {"in": list(row.encode()), "filename": "stmt.txt"}})
    detail = {"setl_optins": region, "file_qury_no": uploaded["file_qury_no"],
              "stmt_begndate": today, "stmt_enddate": today, "clr_type": "11"}  # fmt: skip
    assert his.ok("3202", {"data": detail}) == {
        "stmtinfo": {"setl_optins": region, "stmt_rslt": "0", "stmt_rslt_dscr": "平"},
        "detail": [],
    }
    # 2208 undoes it: negated amounts, balance and accumulators restored.
    settle_msgid = s["medins_setl_id"]
    undone = his.ok(
        "2208", {"data": {"setl_id": s["setl_id"], "mdtrt_id": mdtrt_id, "psn_no": psn_no}},
        insuplc=region,
    )  # fmt: skip
    assert undone["setlinfo"]["hifp_pay"] == f"{-D(s['hifp_pay']):.2f}"
    assert undone["setlinfo"]["balc"] == "400.00"  # 1000 − 600 paid by the REST claim
    accumulator = Accumulator.objects.get(person=person, bucket="general_outpatient")
    assert (accumulator.deductible_used, accumulator.pooled) == (D("600.00"), 0)
    # 2601 on the settled 2207 is refused: 2208 already undid it (the platform's rule).
    err = his.refused(
        "2601", {"data": {"psn_no": psn_no, "omsgid": settle_msgid, "oinfno": "2207"}},
        insuplc=region,
    )  # fmt: skip
    assert "退费结算标志不为未退费" in err
    # 3202 now lists the settlement the institution still counts.
    out = his.ok("3202", {"data": detail})
    assert out["stmtinfo"]["stmt_rslt"] == "1" and out["detail"][0]["setl_id"] == s["setl_id"]
    # The lines are free again; 2205 "0000" clears them; then the registration can be cancelled.
    his.ok(
        "2205",
        {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": "0000", "psn_no": psn_no}},
        insuplc=region,
    )
    assert not FeeLine.objects.filter(visit__mdtrt_id=mdtrt_id).exists()
    assert AuditEvent.objects.filter(action="claims.settlement.reverse").count() == 1


def test_yuxi_chronic_patient(world):
    person = world.employee("530400", balance="2000.00")
    world.certify(person, "I10")
    his = His(world.hospital("530400", level="2"))
    _psn, _mdtrt, _region, settled, rest = settle_visit(
        his, person, med_type="14", dise=("I10.x00", "高血压"), region_rate=False, scale=20
    )
    s = settled["setlinfo"]
    assert s["med_type"] == "14" and D(s["hifp_pay"]) > 0
    assert Settlement.objects.get(pk=int(s["setl_id"])).benefit == "chronic"
    # Yuxi's document gives no class-B rate: a 乙类 item without its own proportion is refused.
    visit = VisitSettlement.objects.get().visit
    line = fee_lines(visit.mdtrt_id, _psn, n=30)
    b_item = next(
        r["code"] for r in demo_rows() if r["chrgitm_lv"] == "02" and r["selfpay_prop"] is None
    )
    bad = {**line[0], "feedetl_sn": "X1", "chrg_bchno": "B9", "med_list_codg": b_item}
    assert "class_b_first_pay_rate" in his.refused("2204", {"feedetail": [bad]}, insuplc="530400")


def test_tibet_relative_paid_from_the_holders_account(world):
    holder = world.employee("540000", balance="5000.00", name="扎西")
    relative = world.resident("540000")
    world.grant(holder, relative)
    his = His(world.hospital("540000", level="1"))
    _psn, _mdtrt, _region, settled, rest = settle_visit(
        his, relative, holder=holder, region_rate=False
    )
    s = settled["setlinfo"]
    assert s["insutype"] == "390" and D(s["acct_mulaid_pay"]) > 0
    assert s["acct_mulaid_pay"] == rest["family_account_paid"]
    # Tibet 第十五条: the holder keeps at least 3000 after a shared payment.
    assert PersonalAccount.objects.get(person=holder).balance >= D("3000.00")
    assert Settlement.objects.get(pk=int(s["setl_id"])).account_holder_id == holder.pk
