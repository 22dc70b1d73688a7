"""Pinyin initials: the cached per-run computation equals pypinyin's reading of the whole name."""

from hypothesis import given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin

from catalogue.pinyin import initials


def _reference(name: str) -> str:
    # The import's original definition: lazy_pinyin of the whole name, ASCII letters and digits.
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="default")
    return "".join(ch for part in letters for ch in part.lower() if ch.isascii() and ch.isalnum())[
        :200
    ]


def test_worked_examples():
    assert initials("阿莫西林胶囊") == "amxljn"
    assert initials("阿莫西林胶囊（0.25g，华北制药）") == "amxljn025ghbzy"
    # 重 reads chóng in 重组 (a phrase): the run is read as a whole, not per character.
    assert initials("重组人胰岛素注射液") == _reference("重组人胰岛素注射液")
    assert initials("") == ""


_PIECES = list("重庆银行长大乐行了还都会朝阳参差一〇") + [
    "阿莫西林",
    "胶囊",
    "华北制药",
    "0.5g",
    "（",
    "）",
    " ",
    "Ab9",
    "İK",
    "ǎü",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=15))
def test_same_as_pypinyin_on_the_whole_name(pieces):
    name = "".join(pieces)
    assert initials(name) == _reference(name)
