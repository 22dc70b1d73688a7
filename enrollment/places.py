"""Where an ID number was issued: its six-digit place code (行政区划代码) as names.

The table is python-stdnum's ``cn/loc.dat`` (the national administrative division codes with
their history, e.g. ``[1983-1998]石拐矿区,[1999-]石拐区``); a name is the code's latest one,
because a code names the office that issued the card whatever it is called today. Codes the
table lacks fall back to the regions the bureau keeps. A code found nowhere is only a hint
that says so: the place code never makes an ID number invalid (DESIGN.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import stdnum

from policies.models import Region

_LINE = re.compile(r'^(\s*)(\d+) (?:province|county)="(.*)"$')
_PERIOD = re.compile(r"^\[[^\]]*\]")
# Names that stand for "the districts of the city" or a grouping, not a place a reader knows.
_NO_PLACE = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


@dataclass(frozen=True)
class Place:
    code: str
    name: str  # e.g. "云南省 玉溪市 红塔区"
    known: bool  # the code itself is in a table (not only its province or city)


def _latest(raw: str) -> str:
    return _PERIOD.sub("", raw.split(",")[-1]).strip()


@lru_cache(maxsize=1)
def division_table() -> dict[str, str]:
    """Six-digit code → its latest name."""
    table: dict[str, str] = {}
    province = ""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        indent, digits, name = match.groups()
        if not indent:
            province = digits
            table[f"{digits}0000"] = _latest(name)
        else:
            table[f"{province}{digits}"] = _latest(name)
    return table


def place_of(code: str) -> Place | None:
    """The place a six-digit code names, from the province down; ``None`` for what is not a
    six-digit ASCII code or is unknown at every level."""
    if not re.fullmatch(r"[0-9]{6}", code or ""):
        return None
    levels = (f"{code[:2]}0000", f"{code[:4]}00", code)
    table = division_table()
    kept = dict(Region.objects.filter(code__in=levels).values_list("code", "name"))
    parts: list[str] = []
    for level in levels:
        name = table.get(level) or kept.get(level)
        if name and name not in _NO_PLACE and name not in parts:
            parts.append(name)
    if not parts:
        return None
    return Place(code=code, name=" ".join(parts), known=code in table or code in kept)
