"""Pinyin initials of an item's name (阿莫西林胶囊 → amxljn), for the clerks' search."""

from pypinyin import Style, lazy_pinyin


def initials(name: str) -> str:
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for part in letters for ch in part.lower() if ch.isascii() and ch.isalnum())[
        :200
    ]
