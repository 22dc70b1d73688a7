"""Dates typed as 20261128: forms and the API read them as 2026-11-28; anything else that is
not a date is still refused (foreign digits included)."""

from datetime import date

import pytest
from django import forms
from rest_framework import serializers

from staff.inputs import ApiDateField, FormDateField, expand_compact_date


def test_eight_ascii_digits_are_a_date():
    assert FormDateField().clean("20261128") == date(2026, 11, 28)
    assert FormDateField().clean(" 20261128 ") == date(2026, 11, 28)
    assert FormDateField().clean("2026-11-28") == date(2026, 11, 28)
    assert ApiDateField().to_internal_value("20261128") == date(2026, 11, 28)
    assert expand_compact_date(None) is None


@pytest.mark.parametrize("bad", ["20261131", "2026112", "202611280", "２０２６1128", "2026 1128"])
def test_what_is_not_a_date_is_refused(bad):
    with pytest.raises(forms.ValidationError):
        FormDateField().clean(bad)
    with pytest.raises(serializers.ValidationError):
        ApiDateField().to_internal_value(bad)
