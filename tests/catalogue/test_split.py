"""The fee-line split (catalogue.split): worked examples and properties."""

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalogue.split import Item, split_line, totals
from staff.errors import DomainError

WUHAN_CLASS_B = D("0.10")  # 武汉 第十四条: 乙类先行自付 10 %


def parts(s):
    return (s.fulamt_ownpay_amt, s.overlmt_amt, s.preselfpay_amt, s.inscp_scp_amt)


def test_platform_example_selfpay_prop_five_percent():
    # NATIONAL-INTERFACE 2204: 4.52 at selfpay_prop 0.05 → 0.226 → 0.23 first self-pay, 4.29 in policy.
    s = split_line(
        amount=D("4.52"),
        count=D("1"),
        item=Item("X", "02", "09", None, D("0.05")),
        class_b_rate=None,
    )
    assert parts(s) == (D("0"), D("0"), D("0.23"), D("4.29"))


def test_class_b_without_own_proportion_uses_the_region_rate():
    # 乙类, no own proportion, Wuhan 10 %: 37.85 × 0.10 = 3.785 → 3.79 (half up), 34.06 in policy.
    s = split_line(
        amount=D("37.85"), count=D("1"), item=Item("Y", "02"), class_b_rate=WUHAN_CLASS_B
    )
    assert parts(s) == (D("0"), D("0"), D("3.79"), D("34.06"))
    assert s.class_b_amount == D("37.85") and s.self_pay_amount == D("0")


def test_above_the_ceiling_then_first_self_pay_on_the_rest():
    # 3 boxes at 52.00, ceiling 45.50 a box: 156.00 − 136.50 = 19.50 above the ceiling;
    # the rest 136.50 × 0.10 = 13.65 first self-pay; 122.85 in policy.
    s = split_line(
        amount=D("156.00"),
        count=D("3"),
        item=Item("Z", "02", "09", D("45.5"), None),
        class_b_rate=WUHAN_CLASS_B,
    )
    assert parts(s) == (D("0"), D("19.50"), D("13.65"), D("122.85"))


def test_class_c_and_unknown_items_are_fully_self_paid():
    for item in (Item("C", "03", "09", None, None), None):
        s = split_line(amount=D("88.80"), count=D("2"), item=item, class_b_rate=WUHAN_CLASS_B)
        assert parts(s) == (D("88.80"), D("0"), D("0"), D("0")) and s.chrgitm_lv == "03"


def test_class_a_under_its_ceiling_is_all_in_policy():
    s = split_line(
        amount=D("12.00"), count=D("1"), item=Item("A", "01", "09", D("15")), class_b_rate=None
    )
    assert parts(s) == (D("0"), D("0"), D("0"), D("12.00"))


def test_class_b_with_the_rate_unset_is_refused_naming_the_parameter():
    with pytest.raises(DomainError) as caught:
        split_line(amount=D("10"), count=D("1"), item=Item("B", "02"), class_b_rate=None)
    assert "class_b_first_pay_rate" in caught.value.message


def test_totals_give_the_claim_aggregates():
    lines = [
        split_line(
            amount=D("156.00"),
            count=D("3"),
            item=Item("Z", "02", "", D("45.5")),
            class_b_rate=WUHAN_CLASS_B,
        ),
        split_line(amount=D("88.80"), count=D("1"), item=None, class_b_rate=WUHAN_CLASS_B),
        split_line(
            amount=D("12.00"), count=D("1"), item=Item("A", "01"), class_b_rate=WUHAN_CLASS_B
        ),
    ]
    t = totals(lines)
    assert t.total_amount == D("256.80")
    assert t.self_pay_amount == D("108.30")  # 88.80 self-paid + 19.50 above the ceiling
    assert t.class_b_amount == D("136.50")  # at the region's rate (no own proportion)
    assert t.preselfpay_amt == D("13.65") and t.inscp_scp_amt == D("134.85")


amounts = st.decimals(min_value=0, max_value=D("99999.99"), places=2)
counts = st.decimals(min_value=0, max_value=D("999"), places=4)
ceilings = st.none() | st.decimals(min_value=0, max_value=D("9999.999999"), places=6)
props = st.none() | st.decimals(min_value=0, max_value=1, places=4)
levels = st.sampled_from(["01", "02", "03"])


@given(amounts, counts, levels, ceilings, props, props)
def test_the_four_parts_add_up_and_none_is_negative(amount, count, level, ceiling, prop, rate):
    item = Item("P", level, "09", ceiling, prop)
    rate = rate if rate is not None else D("0.10")
    s = split_line(amount=amount, count=count, item=item, class_b_rate=rate)
    assert sum(parts(s)) == amount
    assert all(p >= 0 for p in parts(s))
    assert all(p == p.quantize(D("0.01")) for p in parts(s))


@given(amounts, st.decimals(min_value=1, max_value=D("999"), places=4), ceilings)
def test_class_a_at_or_under_its_ceiling_is_all_in_policy(amount, count, ceiling):
    if ceiling is not None and amount > (ceiling * count).quantize(D("0.01")):
        return
    s = split_line(
        amount=amount, count=count, item=Item("A", "01", "09", ceiling), class_b_rate=None
    )
    assert s.inscp_scp_amt == amount


def test_an_items_own_proportion_is_self_paid_in_the_claim_not_class_b():
    # 乙类 with its own 5 %: 20.00 × 0.05 = 1.00 first self-pay, computed here; the claim
    # carries it as self-paid so the calculator's class-B step (region rate) does not apply again.
    s = split_line(
        amount=D("20.00"),
        count=D("1"),
        item=Item("O", "02", "09", None, D("0.05")),
        class_b_rate=None,
    )
    assert s.own_proportion and s.class_b_amount == 0 and s.self_pay_amount == D("1.00")
    t = totals([s])
    assert (t.self_pay_amount, t.class_b_amount, t.own_preselfpay_amt) == (D("1.00"), 0, D("1.00"))
