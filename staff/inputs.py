"""What people type or send, parsed one way everywhere: ASCII digits only, periods, dates.

Python reads any Unicode digit as a number: ``\\d`` matches ``２`` and ``٢``, and ``int()``,
``Decimal()``, ``strptime`` and DRF's fields turn ``２０２６`` into 2026. A value that is parsed
and stored as a number is harmless, but a period or code kept as text is compared as text:
``２０２６-10`` passed the period check and credited October 2026 a second time, because the
once-per-account-kind-period key never saw it as the same month. So every number, date, period,
code and amount that enters the system is refused unless its digits are ``0``–``9``, with a
message naming the field; the form and serializer fields below do that for every API and page.
"""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext as _
from rest_framework import serializers

ASCII_DIGITS = frozenset("0123456789")
_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)


class BadInput(ValueError):
    """A value refused at the door; ``message`` says which field and why, for a clerk."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def has_foreign_digits(text: str) -> bool:
    """Any digit other than 0–9 (full-width, Arabic-Indic, superscript, …)."""
    return any(ch.isdigit() and ch not in ASCII_DIGITS for ch in text)


def foreign_digits_message(field: str, value: object) -> str:
    return _(
        "%(field)s: write numbers with the half-width digits 0-9 only; “%(value)s” contains"
        " other digits."
    ) % {"field": field, "value": value}


def ascii_digits(value: object, *, field: str) -> str:
    """``value`` as stripped text, refused (``BadInput``) if it has a non-ASCII digit."""
    text = "" if value is None else str(value).strip()
    if has_foreign_digits(text):
        raise BadInput(foreign_digits_message(field, text), field=field)
    return text


def parse_period(value: object, *, field: str = "period", today: date | None = None) -> date:
    """The first day of a ``YYYY-MM`` period (year 0001–9999, ASCII digits); with ``today``,
    a period after the current month is refused too (nothing is credited in advance)."""
    text = ascii_digits(value, field=field)
    match = _PERIOD.fullmatch(text)
    if not match or match.group(1) == "0000":
        raise BadInput(
            _("%(field)s: the period must be YYYY-MM, e.g. 2026-11; got “%(value)s”.")
            % {"field": field, "value": text},
            field=field,
        )
    first = date(int(match.group(1)), int(match.group(2)), 1)
    if today is not None and first > today.replace(day=1):
        raise BadInput(
            _("%(field)s: the period %(value)s is in the future (after %(month)s).")
            % {"field": field, "value": text, "month": f"{today:%Y-%m}"},
            field=field,
        )
    return first


# --- API (DRF) fields -----------------------------------------------------------------------


class _AsciiApiField:
    """Refuses a string with non-ASCII digits before DRF's own parsing (which accepts them)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and has_foreign_digits(data):
            raise serializers.ValidationError(
                foreign_digits_message(self.field_name or self.label or "", data.strip()),
                code="invalid",
            )
        return super().to_internal_value(data)


class ApiDateField(_AsciiApiField, serializers.DateField):
    pass


class ApiDecimalField(_AsciiApiField, serializers.DecimalField):
    pass


class ApiIntegerField(_AsciiApiField, serializers.IntegerField):
    pass


class ApiCodeField(_AsciiApiField, serializers.CharField):
    """A code (employer, institution, disease): text, but its digits are ASCII."""


# --- Form fields ----------------------------------------------------------------------------


class _AsciiFormField:
    def to_python(self, value):
        if isinstance(value, str) and has_foreign_digits(value):
            raise forms.ValidationError(
                foreign_digits_message(str(self.label or ""), value.strip()), code="invalid"
            )
        return super().to_python(value)


class FormDateField(_AsciiFormField, forms.DateField):
    pass


class FormDecimalField(_AsciiFormField, forms.DecimalField):
    pass


class FormIntegerField(_AsciiFormField, forms.IntegerField):
    pass


class FormCodeField(_AsciiFormField, forms.CharField):
    pass
