"""staff.inputs: one rule for the digits of every number, date, period and code (issue 16)."""

from datetime import date

import pytest

from staff.inputs import BadInput, has_foreign_digits, parse_period, searchable_digits


@pytest.mark.parametrize("text", ["２０２６-10", "٢٠٢٦-10", "2０26", "²", "۱", "१"])
def test_other_digits_are_seen(text):
    assert has_foreign_digits(text)


@pytest.mark.parametrize("text", ["2026-10", "张三", "二〇二六", "E420100", ""])
def test_ascii_digits_and_chinese_numerals_are_not(text):
    assert not has_foreign_digits(text)


def test_periods():
    today = date(2026, 11, 30)
    assert parse_period("2026-11", today=today) == date(2026, 11, 1)
    assert parse_period(" 1999-01 ") == date(1999, 1, 1)
    for bad in ("２０２６-10", "٢٠٢٦-10", "0000-01", "2026-13", "2026-1", "202６-10"):
        with pytest.raises(BadInput) as refused:
            parse_period(bad, today=today)
        assert refused.value.field == "period"
    with pytest.raises(BadInput, match="2026-12"):
        parse_period("2026-12", today=today)


def test_searches_read_full_width_digits():
    assert searchable_digits("４２０１０２") == "420102"
    assert searchable_digits("张三²") == "张三²"


@pytest.mark.django_db
def test_a_person_is_found_by_a_full_width_id_number():
    from enrollment.selectors import person_search
    from tests.factories import PersonFactory

    person = PersonFactory()
    full_width = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in person.id_number)
    assert list(person_search(query=full_width[:8])) == [person]
