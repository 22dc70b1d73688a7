"""A small fuzz of ``POST /api/hsa/``: every transaction's input with one field missing or
spoiled (a wrong type, a huge string, a nested object where text is expected, other digits,
negative and huge numbers, impossible dates), and envelopes with spoiled fields or a msgid
already used. Every answer is HTTP 200 with infcode 0 or -1; a refusal names what is wrong in
Chinese and changes nothing. Bounded for CI: ``GATEWAY_FUZZ_EXAMPLES`` examples per
transaction (default 25), derandomized so every run sends the same messages."""

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import LedgerEntry
from staff.models import AuditEvent

from .test_his_flow import fee_lines
from .test_refusals import inputs
from .test_refusals import state as gateway_rows
from .test_refusals import visit as visit  # the fixture: a registered visit with 20 fee lines

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "25"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CHINESE = re.compile("[\u4e00-\u9fff]")


def state() -> tuple:
    """The gateway's rows, and the ledger and audit trail a settlement or a lookup writes."""
    return (*gateway_rows(), LedgerEntry.objects.count(), AuditEvent.objects.count())


MISSING = object()

HOSTILE = st.one_of(
    st.sampled_from(
        [
            MISSING,
            None,
            "",
            " ",
            "\t",
            True,
            False,
            0,
            -1,
            1.5,
            -0.0,
            10**30,
            -(10**30),
            2**63,
            1e300,
            [],
            {},
            ["1"],
            {"a": "1"},
            {"a": {"b": [{"c": "1"}]}},
            "x" * 100_000,
            "９" * 40,
            "١٢٣",
            "²",
            "Ⅻ",
            "一二三",
            "-1",
            "-0.00",
            "1e3",
            "0x10",
            "99999999999999999999.99",
            "1.123456789",
            "NaN",
            "Infinity",
            "0000-00-00",
            "2026-02-30",
            "2026-13-01",
            "9999-12-31",
            "0001-01-01",
            "2026-02-30 10:00:00",
            "2026-03-01 24:00:00",
            "0000-00-00 00:00:00",
            "2026-03-01T10:00:00",
            "202602",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\x00",
            "\ud800",
            "\u202e",
            "🏥",
            "420100" * 20,
            json.loads("[" * 100 + "]" * 100),  # deeper than any message nests
        ]
    ),  # fmt: skip
    st.text(max_size=40),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(float),
)


def _with(payload: dict, node: str, field: str, value) -> dict:
    spoiled = json.loads(json.dumps(payload))
    target = spoiled[node][0] if isinstance(spoiled[node], list) else spoiled[node]
    if value is MISSING:
        target.pop(field, None)
    else:
        target[field] = value
    return spoiled


def _check(his, infno, body, before):
    # ASCII escapes: a lone surrogate is sent as the text \ud800, as a JSON encoder writes it.
    response = his.client.post("/api/hsa/", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content  # a 500 raises before this
    answer = response.json()
    assert answer["infcode"] in (0, -1), answer
    if answer["infcode"] == -1:
        assert answer["output"] is None, answer
        # The reason itself, without the 【2206 预结算】 every refusal of a known infno starts with.
        reason = re.sub(r"^【[^】]*】", "", answer["err_msg"] or "")
        assert CHINESE.search(reason), (infno, answer["err_msg"])
        assert state() == before, (infno, answer["err_msg"])
    return answer


TRANSACTIONS = ["9001", "1101", "2201", "2202", "2203", "2204", "2205", "2206", "2207", "2208",
                "2601", "3201", "3202", "5301", "5206"]  # fmt: skip


@pytest.mark.parametrize("infno", TRANSACTIONS)
def test_each_transaction_with_a_spoiled_field(visit, infno):
    his, _person, psn_no, mdtrt_id, settle = visit
    cases = inputs(psn_no, mdtrt_id, settle)
    if infno == "2204":
        line = fee_lines(mdtrt_id, psn_no, n=1)[0]
        line["feedetl_sn"] = "8001"
        payload, node = {"feedetail": [line]}, "feedetail"
    else:
        payload, node, _field = cases[infno]
    fields = sorted(payload[node][0] if node == "feedetail" else payload[node])

    @FUZZ
    @given(field=st.sampled_from(fields + ["unknown_field"]), value=HOSTILE)
    def run(field, value):
        spoiled = _with(payload, node, field, value)
        _check(his, infno, his.envelope(infno, spoiled, insuplc="420100"), state())

    run()


ENVELOPE_FIELDS = ["infno", "msgid", "mdtrtarea_admvs", "insuplc_admdvs", "recer_sys_code",
                   "infver", "opter_type", "opter", "opter_name", "inf_time", "fixmedins_code",
                   "fixmedins_name", "sign_no", "input"]  # fmt: skip


@FUZZ
@given(field=st.sampled_from(ENVELOPE_FIELDS), value=HOSTILE)
def test_an_envelope_with_a_spoiled_field(visit, field, value):
    his, _person, psn_no, mdtrt_id, settle = visit
    body = his.envelope("5301", {"data": {"psn_no": psn_no}}, insuplc="420100")
    if value is MISSING:
        body.pop(field)
    else:
        body[field] = value
    _check(his, "5301", body, state())


@FUZZ
@given(infno=st.sampled_from([t for t in TRANSACTIONS if t != "5301"]))  # 5301: the same message
def test_a_used_msgid_with_another_message_is_refused_and_changes_nothing(visit, infno):
    his, _person, psn_no, mdtrt_id, settle = visit
    first = his.send("5301", {"data": {"psn_no": psn_no}}, insuplc="420100")
    assert first["infcode"] == 0, first
    used = his.last_msgid
    payload = inputs(psn_no, mdtrt_id, settle).get(infno, ({"feedetail": []},))[0]
    before = state()
    answer = _check(his, infno, his.envelope(infno, payload, msgid=used, insuplc="420100"), before)
    assert answer["infcode"] == -1 and "已被另一笔报文使用" in answer["err_msg"], answer
