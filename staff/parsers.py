"""JSON bodies with a nesting limit, for every API view (the anonymous token endpoint too).

Python's JSON decoder recurses once per ``[`` or ``{``: a body nested 50,000 deep raised
``RecursionError``, which nothing caught (a 500, from the anonymous token endpoint as well). No
body of this API nests more than a few levels, so a body deeper than ``API_JSON_MAX_DEPTH`` is
refused before it is decoded.
"""

from __future__ import annotations

import io
import json
import re

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


def loads(text: bytes | str):
    """``json.loads`` with the nesting limit (``ValueError`` for a body too deep)."""
    if too_deep(text):
        raise ValueError(depth_message())
    return json.loads(text)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        if too_deep(body):
            raise ParseError(depth_message())
        return super().parse(io.BytesIO(body), media_type, parser_context)
