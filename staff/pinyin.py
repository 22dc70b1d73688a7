"""Pinyin initials of Chinese names, for search (typing ``zs`` finds 张三).

Stored beside the name in an indexed column (``name_initials``) so that a search by initials is
an index range scan, also on the large person table; computed here, once, when a row is saved.
"""

import re

from pypinyin import Style, lazy_pinyin

_KEEP = re.compile(r"[0-9a-z]")
MAX_LENGTH = 64
# Surnames read differently from the same character in running text (曾 zēng, not céng).
SURNAME_INITIAL = {
    "曾": "z", "单": "s", "解": "x", "仇": "q", "朴": "p", "查": "z", "区": "o", "乐": "y",
    "覃": "q", "盖": "g", "缪": "m", "翟": "z", "繁": "p", "燕": "y", "纪": "j", "尉": "y",
    "种": "c", "员": "y", "句": "g", "祭": "z", "召": "s", "长": "c", "重": "c", "沈": "s",
}  # fmt: skip


def initials(name: str, *, surname: bool = False) -> str:
    """``张三`` → ``zs``; ``武汉重型机床厂`` → ``whzxjcc``; Latin letters and digits are kept
    (lower case), anything else is dropped. Polyphonic characters take pypinyin's usual reading;
    with ``surname`` (a person's name) the first character is read as a surname."""
    name = name or ""
    letters = []
    if surname and name[:1] in SURNAME_INITIAL:
        letters.append(SURNAME_INITIAL[name[0]])
        name = name[1:]
    for part in lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default"):
        letters.extend(_KEEP.findall(part.lower()))
    return "".join(letters)[:MAX_LENGTH]


def is_initials_query(query: str) -> bool:
    """Whether a search text reads as pinyin initials: ASCII letters only (digits are codes or
    ID numbers, Chinese is a name)."""
    return bool(query) and query.isascii() and query.isalpha()
