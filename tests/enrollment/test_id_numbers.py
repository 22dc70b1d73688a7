"""ID numbers: the hard checks reject; the place code never does."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from enrollment.id_numbers import InvalidIdNumber, make, mask, parse


def test_valid_number_gives_birth_date_and_gender():
    facts = parse("11010519491231002x")  # lower-case x is accepted and normalised
    assert facts.number == "11010519491231002X"
    assert facts.birth_date == date(1949, 12, 31)
    assert facts.gender == "female"  # 17th digit 2 is even


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519491231002", "18位"),
        ("1101051949123100222", "18位"),
        ("11010519491231002Y", "数字或X"),
        ("110105194912310021", "校验位"),
        (make("110105", date(1990, 1, 1), 1)[:6] + "19900230" + "0011", "校验位"),
    ],
)
def test_hard_checks(number, reason):
    with pytest.raises(InvalidIdNumber) as err:
        parse(number)
    assert reason in str(err.value)


def test_impossible_and_future_birth_dates():
    body = "1101051990023000"  # 1990-02-30
    from stdnum.cn import ric

    impossible = body + "1" + ric.calc_check_digit(body + "10")
    with pytest.raises(InvalidIdNumber, match="不存在"):
        parse(impossible)
    future = make("110105", date(2031, 1, 1), 5)
    with pytest.raises(InvalidIdNumber, match="晚于"):
        parse(future, today=date(2026, 11, 24))


@given(
    st.sampled_from(["999999", "000000", "150299", "469099"]),
    st.dates(date(1900, 1, 1), date(2020, 1, 1)),
    st.integers(0, 999),
)
def test_place_code_never_rejects(place, birth, seq):
    facts = parse(make(place, birth, seq))
    assert facts.place_code == place and facts.birth_date == birth


def test_mask():
    assert mask("150200198005170018") == "150200********0018"
