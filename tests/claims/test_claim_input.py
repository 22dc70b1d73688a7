"""``claims.api.well_formed_claim``: whatever it accepts, ``ClaimInputSerializer`` accepts with
the same data; what it declines goes to the serializer, whose errors answer the client."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from claims.api import ClaimInputSerializer, well_formed_claim
from enrollment.models import Institution, Person

PATIENT, HOLDER, HOSPITAL, PHARMACY, MISSING = 11, 12, 21, 22, 99
PREFETCHED = {
    (Person, PATIENT): Person(pk=PATIENT),
    (Person, HOLDER): Person(pk=HOLDER),
    (Institution, HOSPITAL): Institution(pk=HOSPITAL),
    (Institution, PHARMACY): Institution(pk=PHARMACY),
    (Person, MISSING): None,  # read, and not there
}
PLAIN = {
    "claim_number": "C-2026-0001",
    "person": PATIENT,
    "institution": HOSPITAL,
    "visit_date": "2026-03-01",
    "benefit": "general_outpatient",
    "total_amount": "120.00",
}


def _serializer(body):
    serializer = ClaimInputSerializer(data=body, context={"prefetched": PREFETCHED})
    return serializer, serializer.is_valid()


def _comparable(data: dict) -> dict:
    return {k: (v.pk, type(v)) if hasattr(v, "pk") else (v, type(v)) for k, v in data.items()}


def test_a_plain_claim_takes_the_short_way_with_the_serializers_data():
    data = well_formed_claim(PLAIN, PREFETCHED)
    serializer, valid = _serializer(PLAIN)
    assert valid and data is not None
    assert _comparable(data) == _comparable(dict(serializer.validated_data))
    assert data["total_amount"] == Decimal("120.00") and data["self_pay_amount"] == Decimal("0")


def test_without_rows_read_with_the_token_it_is_the_serializers_business():
    assert well_formed_claim(PLAIN, None) is None
    assert well_formed_claim(PLAIN, {}) is None


texts = st.one_of(
    st.sampled_from(
        ["", " ", "C1", " C1", "C1 ", "C\x001", "\ud800", "医院-1", "x" * 64, "y" * 65]
    ),
    st.text(max_size=70),
    st.integers(-5, 5),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=1),
)
ids = st.one_of(
    st.sampled_from([PATIENT, HOLDER, HOSPITAL, PHARMACY, MISSING, 0, -1, 2**63, True]),
    st.sampled_from(["11", "21", None, 1.0, [11]]),
)
amounts = st.one_of(
    st.sampled_from(
        [
            "0",
            "0.00",
            "120",
            "120.5",
            "120.50",
            "120.005",
            "-1",
            "01",
            "1e3",
            " 5",
            "NaN",
            "999999999999.99",
            "1000000000000",
            "",
            "abc",
        ]
    ),  # fmt: skip
    st.decimals(min_value=-10, max_value=10**13, places=3).map(str),
    st.integers(-10, 10**13),
    st.floats(allow_nan=True),
    st.none(),
    st.booleans(),
)
dates = st.one_of(
    st.sampled_from(["2026-03-01", "2026-02-30", "2026-3-1", "20260301", "0000-01-01", ""]),
    st.dates().map(str),
    st.text(max_size=12),
    st.integers(),
    st.none(),
)
flags = st.one_of(st.booleans(), st.sampled_from(["true", 1, 0, None, "yes"]))
fields = {
    "claim_number": texts,
    "person": ids,
    "institution": ids,
    "visit_date": dates,
    "benefit": st.sampled_from(["general_outpatient", "chronic", "special", "dental", "", None]),
    "total_amount": amounts,
    "self_pay_amount": amounts,
    "class_b_amount": amounts,
    "disease_code": st.one_of(texts, st.sampled_from(["I10", "E11", " N18", "x" * 16, "x" * 17])),
    "out_of_region_filed": flags,
    "prescribing_institution": ids,
    "use_account": flags,
    "account_holder": ids,
    "unknown_field": st.integers(),
}


@st.composite
def bodies(draw):
    body = dict(PLAIN)
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True)):
        if draw(st.booleans()) and name in body:
            del body[name]
        else:
            body[name] = draw(fields[name])
    return body


@settings(max_examples=1500, deadline=None)
@given(body=bodies())
def test_whatever_the_short_way_accepts_the_serializer_accepts_alike(body):
    data = well_formed_claim(body, PREFETCHED)
    if data is None:
        return
    serializer, valid = _serializer(body)
    assert valid, serializer.errors
    assert _comparable(data) == _comparable(dict(serializer.validated_data))


def test_the_cross_checks_are_refused_naming_the_field_in_chinese():
    """The two cross-checks were the serializer's only English messages."""
    serializer, valid = _serializer({**PLAIN, "self_pay_amount": "130.00"})
    assert not valid
    assert serializer.errors == {
        "self_pay_amount": ["全自费金额（self_pay_amount）大于医疗费总额（total_amount）。"]
    }
    serializer, valid = _serializer({**PLAIN, "self_pay_amount": "20.00", "class_b_amount": "101"})
    assert not valid
    assert serializer.errors == {
        "class_b_amount": ["乙类先行自付金额（class_b_amount）大于政策范围内费用。"]
    }
