"""Request bodies' JSON numbers are read as ``Decimal`` (``staff.parsers``): money never passes
through ``float``. An amount arrives with the digits sent, or is refused naming the field in
Chinese; a number written with an exponent (``1e3``) is refused as the text ``"1e3"`` is."""

import json
from decimal import Decimal

import pytest

from claims.models import Settlement
from jobs.models import Job
from staff.parsers import JsonExponent, loads, plain_json
from tests.api.test_bad_input import api, claim_body
from tests.claims.test_settlement import _world


def test_numbers_with_a_fraction_are_decimals_with_the_digits_sent():
    body = loads('{"a": 0.1, "b": 12345678901234567.89, "c": 1.005, "d": 7, "e": 1e3, "f": 10e-1}')
    assert body["a"] == Decimal("0.1") and type(body["a"]) is Decimal
    assert str(body["b"]) == "12345678901234567.89"  # a float's text: 1.2345678901234568e+16
    assert str(body["c"]) == "1.005"
    assert body["d"] == 7 and type(body["d"]) is int
    assert isinstance(body["e"], JsonExponent) and body["e"] == 1000
    assert isinstance(body["f"], JsonExponent)  # its Decimal text is 1.0: the mark is the spelling


@pytest.mark.parametrize("text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}'])
def test_nan_and_infinity_are_no_json(text):
    with pytest.raises(ValueError):
        loads(text)


def test_plain_json_writes_decimals_as_their_exact_text():
    assert plain_json({"r": [Decimal("0.85"), {"m": Decimal("3500.00")}], "n": 3, "s": "x"}) == {
        "r": ["0.85", {"m": "3500.00"}],
        "n": 3,
        "s": "x",
    }


def _post(client, path, body: dict, **numbers) -> object:
    """``body`` as JSON text with ``numbers`` spliced in as written (bare JSON numbers)."""
    text = json.dumps({**body, **{name: f"@{name}@" for name in numbers}})
    for name, written in numbers.items():
        text = text.replace(f'"@{name}@"', written)
    return client.post(path, text, content_type="application/json")


@pytest.fixture
def world(db):
    return _world()


@pytest.mark.parametrize(("written", "shown"), [("0.1", "0.10"), ("1200.10", "1200.10"),
                                                ("12345.67", "12345.67")])  # fmt: skip
def test_a_json_number_amount_arrives_exact(world, written, shown):
    person, _account, hospital = world
    response = _post(
        api("clerk"), "/api/v1/claims/", claim_body(person, hospital), total_amount=written
    )
    assert response.status_code == 201, response.content
    assert response.json()["total_amount"] == shown
    assert f"{Settlement.objects.get().total_amount:.2f}" == shown


def test_a_large_json_number_amount_is_read_exactly_and_refused_for_its_size(world):
    person, _account, hospital = world
    response = _post(
        api("clerk"),
        "/api/v1/claims/preview/",
        claim_body(person, hospital),
        total_amount="12345678901.23",
    )
    assert response.status_code == 400, response.content
    # The exact amount, named in the refusal: the digits sent, not a float's.
    assert "12,345,678,901.23" in response.json()["total_amount"][0]
    assert "超过单次门诊结算的上限" in response.json()["total_amount"][0]


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1.005", "请确保总计不超过 2 个小数位。"),
        ("12345678901234567.89", "请确保总计不超过 14 个数字。"),
        ("1e3", "请填写合法的数字。"),  # was 1000.00: float("1e3") is written 1000.0
        ("1E3", "请填写合法的数字。"),
        ("10e-1", "请填写合法的数字。"),
        ("1200.0e0", "请填写合法的数字。"),
    ],
)
def test_an_amount_with_too_many_places_or_an_exponent_is_refused_naming_the_field(
    world, written, reason
):
    person, _account, hospital = world
    for path in ("/api/v1/claims/preview/", "/api/v1/claims/"):
        response = _post(api("clerk"), path, claim_body(person, hospital), total_amount=written)
        assert response.status_code == 400, response.content
        assert response.json() == {"total_amount": [reason]}
    assert not Settlement.objects.exists()


@pytest.mark.parametrize("written", ["2e3", "20.5", "1E1"])
def test_a_count_sent_with_a_fraction_or_an_exponent_is_refused(db, written):
    response = _post(api("clerk"), "/api/v1/jobs/", {"kind": "selfcheck"}, steps=written)
    assert response.status_code == 400, response.content
    assert "steps" in response.json()
    assert not Job.objects.exists()


def test_job_parameters_with_decimals_are_stored_as_the_kind_cleans_them(db):
    """A parameter the kind does not take (here a JSON number with a fraction) is left out:
    the job's JSON column never sees a ``Decimal``."""
    response = _post(api("clerk"), "/api/v1/jobs/", {"kind": "selfcheck", "steps": 2}, extra="0.1")
    assert response.status_code == 201, response.content
    assert Job.objects.get().parameters == {"steps": 2, "delay_ms": 0}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"kind": "selfcheck",', "请求正文不是有效的 JSON（第 1 行第 22 列）。"),
        ('{"kind": "selfcheck", "steps": NaN}', "NaN、Infinity 不是 JSON 的数值"),
        ('{"kind": "selfcheck", "steps": ' + "9" * 5000 + "}", "位数过多"),
    ],
)
def test_a_body_that_is_no_json_is_refused_in_chinese(db, text, reason):
    """DRF's own message was English: ``JSON parse error - Expecting value: …``."""
    response = api("clerk").post("/api/v1/jobs/", text, content_type="application/json")
    assert response.status_code == 400, response.content
    assert reason in response.json()["detail"]
    assert not Job.objects.exists()


def test_a_number_with_an_exponent_keeps_its_spelling_as_text():
    assert plain_json(loads('{"r": 0.85e0, "m": 3E3}')) == {"r": "0.85e0", "m": "3E3"}
