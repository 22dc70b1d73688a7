"""Pinyin initials of an item's name (阿莫西林胶囊 → amxljn), for the clerks' search."""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import RE_HANS

# Runs of the characters pypinyin gives a reading (its own RE_HANS, without the anchors):
# re.split with the group yields other text at even indexes, Chinese runs at odd ones.
_RUNS = re.compile("(" + RE_HANS.pattern.removeprefix("^").removesuffix("$") + ")")
_NOT_ASCII_ALNUM = re.compile("[^0-9a-z]+")


def _ascii_alnum(text: str) -> str:
    # After lower() the only ASCII letters and digits left are [0-9a-z].
    return _NOT_ASCII_ALNUM.sub("", text.lower())


@lru_cache(maxsize=65536)
def _han_run(run: str) -> str:
    # pypinyin reads a name as runs of Chinese characters and runs of other characters, and
    # segments each Chinese run into phrases on its own (pypinyin.seg.simpleseg), so a run's
    # initials do not depend on its neighbours: they are cached per run. A national catalogue
    # repeats the same drug and manufacturer names thousands of times, and lazy_pinyin costs
    # about 0.3 ms per name; the cache makes the import's per-row check cheap.
    letters = lazy_pinyin(run, style=Style.FIRST_LETTER, errors="default")
    return "".join(_ascii_alnum(part) for part in letters)


def initials(name: str) -> str:
    """The same as joining ``lazy_pinyin(name, FIRST_LETTER)`` and keeping ASCII letters and
    digits (tested against it), at a dictionary lookup per run of Chinese characters."""
    parts = _RUNS.split(name)
    return "".join(_han_run(part) if i % 2 else _ascii_alnum(part) for i, part in enumerate(parts))[
        :200
    ]
