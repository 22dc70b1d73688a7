"""Hostile input over /api/hsa/ (the hostile-input sweep): identifiers and codes with other
digits than 0–9, dates outside the system's range, a negative zero, and reconciliation files
that are no text. Each is infcode -1 with a Chinese err_msg naming the field or the file's line
(HTTP 200), never a 500, and changes nothing."""

import json

import pytest

from . import test_refusals
from .conftest import now_text
from .test_his_flow import fee_lines
from .test_refusals import inputs, state

pytestmark = pytest.mark.django_db
visit = test_refusals.visit  # the fixture: a registered visit with 20 fee lines


@pytest.mark.parametrize(
    ("infno", "field", "value"),
    [
        ("2206", "psn_no", "１"),
        ("2206", "mdtrt_cert_no", "４２０１００１９７００３１５００１９"),
        ("2206", "chrg_bchno", "０"),
        ("2201", "mdtrt_cert_no", "4201٠٠"),
        ("2201", "ipt_otp_no", "MZ²"),
        ("2202", "mdtrt_id", "１２"),
        ("3202", "file_qury_no", "F１"),
        ("5206", "cum_ym", "２０２６０１"),
    ],
)
def test_identifiers_with_other_digits_are_refused_naming_the_field(visit, infno, field, value):
    his, _person, psn_no, mdtrt_id, settle = visit
    payload = json.loads(json.dumps(inputs(psn_no, mdtrt_id, settle)[infno][0]))
    next(iter(payload.values()))[field] = value
    before = state()
    err = his.refused(infno, payload, insuplc="420100")
    assert f"{field} 应使用半角数字 0-9" in err, err
    assert state() == before


def test_a_fee_line_serial_in_full_width_digits_is_not_a_second_line(visit):
    """``１`` and ``1`` were two serials: the same line could be uploaded twice."""
    his, _person, psn_no, mdtrt_id, _settle = visit
    line = fee_lines(mdtrt_id, psn_no, n=1)[0]
    line["feedetl_sn"] = "０００１"
    before = state()
    err = his.refused("2204", {"feedetail": [line]}, insuplc="420100")
    assert "feedetail[0].feedetl_sn 应使用半角数字 0-9" in err, err
    assert state() == before


def test_a_negative_zero_count_is_never_echoed(visit):
    his, _person, psn_no, mdtrt_id, _settle = visit
    line = fee_lines(mdtrt_id, psn_no, n=1)[0]
    line.update(feedetl_sn="9001", cnt="-0", det_item_fee_sumamt="-0.00")
    out = his.ok("2204", {"feedetail": [line]}, insuplc="420100")["result"][0]
    assert out["cnt"] == "0.0000" and out["det_item_fee_sumamt"] == "0.00", out


@pytest.mark.parametrize(
    ("infno", "field", "value"),
    [
        ("2201", "begntime", "0001-01-01 00:00:00"),  # was a 500: time zone before year 1
        ("3201", "stmt_begndate", "0001-01-01"),
        ("3201", "stmt_enddate", "9999-12-31"),
        ("3202", "stmt_enddate", "9999-12-31"),
    ],
)
def test_dates_outside_the_systems_range_are_refused(visit, infno, field, value):
    his, _person, psn_no, mdtrt_id, settle = visit
    payload = json.loads(json.dumps(inputs(psn_no, mdtrt_id, settle)[infno][0]))
    payload["data"][field] = value
    before = state()
    err = his.refused(infno, payload, insuplc="420100")
    assert f"{field} 日期 {value[:10]} 超出系统受理范围" in err, err
    assert state() == before


def test_a_fee_time_before_year_one_is_refused_not_a_server_error(visit):
    his, _person, psn_no, mdtrt_id, _settle = visit
    line = fee_lines(mdtrt_id, psn_no, n=1)[0]
    line.update(feedetl_sn="9002", fee_ocur_time="0001-01-01 00:00:00")
    before = state()
    err = his.refused("2204", {"feedetail": [line]}, insuplc="420100")
    assert "fee_ocur_time 日期 0001-01-01 超出系统受理范围" in err, err
    assert state() == before


def test_a_cumulation_month_of_year_zero_is_refused(visit):
    his, _person, psn_no, _mdtrt_id, _settle = visit
    err = his.refused("5206", {"data": {"psn_no": psn_no, "cum_ym": "000001"}}, insuplc="420100")
    assert "cum_ym 累计年月应为 yyyyMM" in err


def _reconcile(his, content: bytes) -> str:
    uploaded = his.ok("9101", {"fsUploadIn": {"in": list(content), "filename": "stmt.txt"}})
    detail = {"setl_optins": "420100", "file_qury_no": uploaded["file_qury_no"],
              "stmt_begndate": now_text(0)[:10], "stmt_enddate": now_text(0)[:10]}  # fmt: skip
    return his.refused("3202", {"data": detail})


def test_a_reconciliation_file_that_is_no_text_is_refused(visit):
    """Bytes neither UTF-8 nor GB18030 decode (was a 500: UnboundLocalError)."""
    his = visit[0]
    err = _reconcile(his, b"\xff\xfe\xfa\x00")
    assert "对账文件不是文本文件" in err, err


@pytest.mark.parametrize(
    "content",
    [
        b"1\x002\tM1\t1\t1.00\t1.00\t1.00\n",
        b"1,M\x00X,P\x00Q,1.00,1.00,1.00,0\n",
        b"1,M\x07,1,1,1,1\n",
    ],
)
def test_a_reconciliation_file_with_control_characters_is_refused(visit, content):
    """A NUL in a row was echoed into the answer, which PostgreSQL's jsonb refuses (a 500)."""
    his = visit[0]
    err = _reconcile(his, content)
    assert "对账文件第 1 行含有非法字符" in err, err


def test_a_gbk_reconciliation_file_and_a_bom_are_read(visit):
    his = visit[0]
    header = "setl_id,mdtrt_id,psn_no,medfee_sumamt,fund_pay_sumamt,acct_pay\n"
    # GBK: decoded, so the refusal names the second line's missing columns.
    assert "对账文件第 2 行应有" in _reconcile(his, (header + "备注").encode("gbk"))
    # A BOM before the header: the header is still known and skipped; a settlement id in
    # full-width digits is refused (it was compared as text, a settlement nobody has).
    err = _reconcile(his, ("\ufeff" + header + "１,M,1,1.00,1.00,1.00").encode())
    assert "对账文件第 2 行.setl_id 应使用半角数字 0-9" in err, err
    err = _reconcile(his, (header + "1,M,1,1.00,１.00,1.00").encode())
    assert "对账文件第 2 行.fund_pay_sumamt 类型错误：应为数值型（ASCII数字）" in err, err


@pytest.mark.parametrize("written", ["10e-1", "1E0", "0.5e1"])
def test_a_count_written_with_an_exponent_is_refused(visit, written):
    """A JSON number is read as ``Decimal`` (never float); ``10e-1``'s Decimal text is ``1.0``
    and passed the digits check as a count of one. The spelling is refused, as ``1e3`` was."""
    his, _person, psn_no, mdtrt_id, _settle = visit
    line = fee_lines(mdtrt_id, psn_no, n=1)[0]
    line.update(feedetl_sn="9003", cnt="@cnt@")
    text = json.dumps({"feedetail": [line]}, ensure_ascii=False).replace('"@cnt@"', written)
    before = state()
    err = his.refused("2204", text, insuplc="420100")  # input as JSON text, as some HIS send it
    assert "feedetail[0].cnt 数值不能用指数形式" in err, err
    assert state() == before


def test_an_amount_as_a_json_number_is_read_exactly(visit):
    his, _person, psn_no, mdtrt_id, _settle = visit
    line = fee_lines(mdtrt_id, psn_no, n=1)[0]
    amount = line["det_item_fee_sumamt"]
    line.update(feedetl_sn="9004", det_item_fee_sumamt="@amount@")
    text = json.dumps({"feedetail": [line]}, ensure_ascii=False).replace('"@amount@"', amount)
    out = his.ok("2204", text, insuplc="420100")["result"][0]
    assert out["det_item_fee_sumamt"] == amount, out


@pytest.mark.parametrize("infno", ["2201", "2206", "5301"])
def test_a_required_field_of_blanks_only_is_refused_as_empty(visit, infno):
    """``psn_no: " "`` passed the required check and read no person: 2201 then failed on
    ``None.id_number`` (a 500, found by the gateway fuzz)."""
    his, _person, psn_no, mdtrt_id, settle = visit
    payload = json.loads(json.dumps(inputs(psn_no, mdtrt_id, settle)[infno][0]))
    payload["data"]["psn_no"] = " \t "
    before = state()
    err = his.refused(infno, payload, insuplc="420100")
    assert "data.psn_no 不能为空" in err, err
    assert state() == before


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        ("medfee_sumamt", "1\ud800", "data.medfee_sumamt 类型错误：应为数值型（ASCII数字），实为 1\ufffd"),
        ("medfee_sumamt", "\x07", "实为 \ufffd"),
        ("insuplc_admdvs", "\udfff", "insuplc_admdvs 参保地医保区划 \ufffd 与人员参保地"),
    ],
)  # fmt: skip
def test_a_lone_surrogate_echoed_in_a_refusal_is_not_a_server_error(visit, where, value, words):
    """The refusal echoed the value: a lone surrogate (sent as the JSON escape \\ud800) cannot
    be encoded as UTF-8, and the answer was a 500 (found by the gateway fuzz)."""
    his, _person, psn_no, mdtrt_id, settle = visit
    payload = json.loads(json.dumps(inputs(psn_no, mdtrt_id, settle)["2206"][0]))
    if where == "insuplc_admdvs":
        body = his.envelope("2206", payload, insuplc=value)
    else:
        payload["data"][where] = value
        body = his.envelope("2206", payload, insuplc="420100")
    before = state()
    response = his.client.post("/api/hsa/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["infcode"] == -1 and words in answer["err_msg"], answer
    assert state() == before


@pytest.mark.parametrize("where", ["body", "input"])
def test_a_message_nested_too_deep_is_refused_not_a_server_error(visit, where):
    """50,000 nested arrays were a RecursionError in the JSON decoder (a 500), as the token
    endpoint's were before ``staff.parsers`` limited the nesting."""
    his = visit[0]
    deep = "[" * 50_000 + "]" * 50_000
    before = state()
    envelope = json.dumps(his.envelope("5301", deep, insuplc="420100"))  # input as JSON text
    text = deep if where == "body" else envelope
    response = his.client.post("/api/hsa/", text, content_type="application/json")
    assert response.status_code == 200
    answer = response.json()
    assert answer["infcode"] == -1 and "嵌套超过 64 层" in answer["err_msg"], answer
    assert state() == before
