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
import unicodedata
from datetime import date
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from .parsers import JsonExponent

ASCII_DIGITS = frozenset("0123456789")
# The dates a field accepts: older than any insured person's birth, later than any policy will
# run; a year 9999 also ran the "up to the end of that day" filters past ``date.max`` (a 500).
EARLIEST_DATE = date(1800, 1, 1)
LATEST_DATE = date(2999, 12, 31)
_PERIOD = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)
# A number as people write one: ``Decimal()`` and ``int()`` also read ``1e3``, ``1_000``, ``+5``,
# ``.5`` and ``5.``, which no clerk means and no column of ours holds (``1_000`` was credited as
# 1000). Surrounding spaces are stripped before the match.
PLAIN_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
PLAIN_DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?", re.ASCII)
# A date typed without separators, as clerks do: 20261128 is 2026-11-28.
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})", re.ASCII)


def expand_compact_date(value):
    """``"20261128"`` → ``"2026-11-28"`` (eight ASCII digits, surrounding spaces ignored);
    anything else unchanged, for the date parsing that follows to accept or refuse."""
    if isinstance(value, str):
        match = _COMPACT_DATE.fullmatch(value.strip())
        if match:
            return "-".join(match.groups())
    return value


class BadInput(ValueError):
    """A value refused at the door; ``message`` says which field and why, for a clerk."""

    def __init__(self, message: str, *, field: str):
        super().__init__(message)
        self.message = message
        self.field = field


def has_foreign_digits(text: str) -> bool:
    """Any digit other than 0–9 (full-width, Arabic-Indic, superscript, …)."""
    return any(ch.isdigit() and ch not in ASCII_DIGITS for ch in text)


def searchable_digits(text: str) -> str:
    """A search's decimal digits as ASCII (``４２０１`` → ``4201``): a clerk's Chinese input
    method types full-width digits, and a search only compares, it stores nothing."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in text)


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


def plain_int(value: object) -> int:
    """An ``int``, or text of ASCII digits with an optional minus (spaces around ignored), as
    an int; anything else (``1_000``, ``1e3``, ``２０２５``, a bool, a float) → ``ValueError``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and PLAIN_INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError(f"not a plain integer: {value!r}")


def check_date_range(value: date, *, field: str) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise BadInput(
            _(
                "%(field)s: the date %(value)s is outside the dates the system accepts (%(low)s to"
                " %(high)s)."
            )
            % {"field": field, "value": value, "low": EARLIEST_DATE, "high": LATEST_DATE},
            field=field,
        )
    return value


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


def _unplain(text: str, pattern: re.Pattern) -> bool:
    """Typed text that is not the plain spelling ``pattern`` takes; empty text and text with
    other digits are left to the field (they have their own messages)."""
    text = text.strip()
    return bool(text) and not has_foreign_digits(text) and not pattern.fullmatch(text)


def _no_negative_zero(value):
    if isinstance(value, Decimal) and value.is_zero() and value.is_signed():
        return abs(value)
    return value


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
    def to_internal_value(self, data):
        value = super().to_internal_value(expand_compact_date(data))
        try:
            return check_date_range(value, field=self.field_name or "")
        except BadInput as exc:
            raise serializers.ValidationError(exc.message, code="invalid") from None


class ApiDecimalField(_AsciiApiField, serializers.DecimalField):
    """Also never ``-0.00``: a sent ``-0.00`` passes ``min_value=0`` and was echoed back; and
    a text amount is written plainly (``1e3`` and ``1_000`` were taken as 1000)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and _unplain(data, PLAIN_DECIMAL):
            self.fail("invalid")
        if isinstance(data, JsonExponent):  # the JSON number 1e3, as the text "1e3"
            self.fail("invalid")
        return _no_negative_zero(super().to_internal_value(data))

    def to_representation(self, value):
        return super().to_representation(_no_negative_zero(value))


class ApiIntegerField(_AsciiApiField, serializers.IntegerField):
    """A text integer is ASCII digits (``int()`` also reads ``1_000``)."""

    def to_internal_value(self, data):
        if isinstance(data, str) and _unplain(data, PLAIN_INTEGER):
            self.fail("invalid")
        if isinstance(data, JsonExponent):
            self.fail("invalid")
        return super().to_internal_value(data)


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
    """``not_after_today``: a day still to come is refused (the start of a statement: what has
    not happened cannot be listed)."""

    def __init__(self, *args, not_after_today: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.not_after_today = not_after_today

    def to_python(self, value):
        value = super().to_python(expand_compact_date(value))
        if value is None:
            return value
        try:
            check_date_range(value, field=str(self.label or ""))
        except BadInput as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None
        if self.not_after_today and value > timezone.localdate():
            raise forms.ValidationError(
                _("%(field)s: %(value)s is after today.")
                % {"field": self.label or "", "value": value},
                code="future",
            )
        return value


def _refuse_unplain(field, value, pattern) -> None:
    """A typed number that is no plain spelling (``1e3``, ``1_000``, ``.5``) is invalid; empty
    values and other digits are left to the field (they have their own messages)."""
    if isinstance(value, str) and _unplain(value, pattern):
        raise forms.ValidationError(field.error_messages["invalid"], code="invalid")


class FormDecimalField(_AsciiFormField, forms.DecimalField):
    def to_python(self, value):
        _refuse_unplain(self, value, PLAIN_DECIMAL)
        return _no_negative_zero(super().to_python(value))


class FormIntegerField(_AsciiFormField, forms.IntegerField):
    def to_python(self, value):
        _refuse_unplain(self, value, PLAIN_INTEGER)
        return super().to_python(value)


class FormCodeField(_AsciiFormField, forms.CharField):
    pass


class FormModelChoiceField(_AsciiFormField, forms.ModelChoiceField):
    """A choice of a row by its id (or code): ``٣`` was ``int()``-read as the id 3 (the
    dashboards' region filter showed region 3)."""


class FormPeriodField(forms.Field):
    """A ``YYYY-MM`` period (ASCII digits); cleans to the month's first day."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"maxlength": "7", "placeholder": "2026-01", "inputmode": "numeric"}
        )

    def to_python(self, value):
        text = "" if value is None else str(value).strip()
        if not text:
            return None
        try:  # a period still to come is refused, as everywhere (parse_period's ``today``)
            return parse_period(text, field=str(self.label or ""), today=timezone.localdate())
        except BadInput as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None


# A select's first option: what to do (a required choice) or that nothing is chosen (an
# optional one), never Django's "---------".
CHOOSE = gettext_lazy("Choose…")
NONE_CHOSEN = gettext_lazy("None")
