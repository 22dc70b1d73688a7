"""JSON bodies with a nesting limit, for every API view (the anonymous token endpoint too),
their non-integer numbers read as ``Decimal``.

Python's JSON decoder recurses once per ``[`` or ``{``: a body nested 50,000 deep raised
``RecursionError``, which nothing caught (a 500, from the anonymous token endpoint as well). No
body of this API nests more than a few levels, so a body deeper than ``API_JSON_MAX_DEPTH`` is
refused before it is decoded.

Money is ``Decimal``, never ``float``: the decoder's default turned ``12.34`` into a binary
float before any field saw it (``12345678901234567.89`` arrived as ``1.2345678901234568e+16``,
refused for the wrong reason, and ``1e3`` was taken as 1000.00 since its float's text is
``1000.0``). ``parse_number`` keeps the digits as sent; a number written with an exponent is a
``JsonExponent``, which the number fields refuse as they refuse the text ``"1e3"``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def max_depth() -> int:
    return getattr(settings, "API_JSON_MAX_DEPTH", 64)


def too_deep(body: bytes | str, limit: int | None = None) -> bool:
    """Whether ``body`` nests arrays and objects deeper than ``limit``. Brackets inside strings
    do not count; counting the brackets first keeps ordinary bodies at two C-speed scans."""
    limit = max_depth() if limit is None else limit
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def depth_message(limit: int | None = None) -> str:
    return _("The JSON body is nested deeper than %(n)d levels.") % {
        "n": max_depth() if limit is None else limit
    }


class JsonExponent(Decimal):
    """A JSON number written with an exponent (``1e3``, ``12.5E-1``): its value, marked so that
    a field taking amounts or counts refuses the spelling, as it refuses the text ``"1e3"``
    (``Decimal``'s own text of ``10e-1`` is ``1.0``, so the mark cannot come from the value).
    Its text is the spelling sent: kept in a document (``plain_json``) it is ``"0.85e0"``,
    which the schema refuses, not ``"0.85"``."""

    def __new__(cls, written: str):
        number = super().__new__(cls, written)
        number.written = written
        return number

    def __str__(self) -> str:
        return self.written


def parse_number(text: str) -> Decimal:
    """A JSON number with a fraction or an exponent, exactly as written."""
    if "e" in text or "E" in text:
        return JsonExponent(text)
    return Decimal(text)


class NotJsonNumber(ValueError):
    """NaN or Infinity: Python's decoder reads them, JSON has no such numbers (DRF's strict
    parsing refused them too)."""


def _no_constant(name: str):
    raise NotJsonNumber(name)


def decode(text: bytes | str):
    """``json.loads`` with numbers with a fraction as ``Decimal`` (``parse_number``) and no
    NaN or Infinity; no nesting check (``loads`` has it)."""
    return json.loads(text, parse_float=parse_number, parse_constant=_no_constant)


def loads(text: bytes | str):
    """``decode`` with the nesting limit (``ValueError`` for a body too deep)."""
    if too_deep(text):
        raise ValueError(depth_message())
    return decode(text)


def plain_json(value):
    """``value`` with every ``Decimal`` replaced by its exact text (``0.85`` → ``"0.85"``), for
    data kept as JSON (``json`` cannot write a ``Decimal``; through ``float`` it would not be
    exact). A number sent where the policy schema takes a decimal string is that string."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {key: plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain_json(item) for item in value]
    return value


class MultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser, its refusal in Chinese (``Multipart form parse error - Request
    max total header size exceeded.`` was English, the reason Django's)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(
                _("The request body is not a valid multipart form (a file upload).")
            ) from None


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        if too_deep(body):
            raise ParseError(depth_message())
        encoding = parsers.get_encoding(parser_context or {})
        try:
            return decode(body.decode(encoding))
        except ValueError as exc:
            raise ParseError(parse_error_message(exc)) from None


def parse_error_message(exc: ValueError) -> str:
    """Why a body is no JSON, for the client's developer (DRF's own text was English only:
    ``JSON parse error - Expecting value: line 1 column 1 (char 0)``)."""
    if isinstance(exc, UnicodeDecodeError):
        return _("The request body is not valid text in the declared character set (UTF-8).")
    if isinstance(exc, json.JSONDecodeError):
        # The decoder's reason is English ("Expecting value"): the place is what helps.
        return _("The request body is not valid JSON (line %(line)d, column %(col)d).") % {
            "line": exc.lineno,
            "col": exc.colno,
        }
    if isinstance(exc, NotJsonNumber):
        return _("The request body is not valid JSON: NaN and Infinity are not numbers in JSON.")
    if "digits" in str(exc):  # int() past sys.get_int_max_str_digits()
        return _("The request body has a number with too many digits.")
    return str(exc)  # the depth limit's own message
