"""``policies/FIDELITY.md``: for each seeded region and version, each parameter, its value, a
short quote of the article it comes from, and the interpretation where one was made — generated
from the policy files (``policies/seeds/*.json``) and the documents' texts
(``policies/seeds/texts/``), so it cannot drift from them (a test holds the file up to date;
``manage.py fidelity`` rewrites it).

The quote is the sentence (or, in a long sentence, the clauses) of the cited article that states
the parameter: a value's figure is often not in the text (“退休人员增加5个百分点” gives 75%), so
the sentence is chosen by what the source's note shares with it, then the figure, then the words
of the value and of the parameter's name; the article's first sentence stands in, marked, only
where nothing matches. Quotes are verbatim spans of the document's text (``document_text``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from .labels import LABELS, WORDS
from .schema import _walk, source_for
from .services import SEEDS_DIR

TEXTS_DIR = SEEDS_DIR / "texts"
FIDELITY_PATH = Path(__file__).resolve().parent / "FIDELITY.md"
QUOTE_CHARS = 90
PIPE = "\\|"  # a pipe inside a Markdown table cell
FIRST_SENTENCE = "*(first sentence)* "
ELLIPSIS = "…"

CN = "一二三四五六七八九十百零〇"
_ARTICLE = re.compile(rf"^第[{CN}]+条")
_STRUCTURE = re.compile(rf"^(?:第[{CN}]+[条章节]|[{CN}]+、|[（(][{CN}\d]+[）)]|\d+[.、．])")
_SENTENCE_END = "。；;！？!?"
_LINE_END = _SENTENCE_END + "：:"
# Full-width and ASCII punctuation are one for matching: the notes write “，” where Wuhan's and
# Sichuan's texts have “,”.
_SAME = str.maketrans("，：；（）", ",:;()")
# The note must share this many characters with a sentence to choose it: shorter runs are the
# documents' common words (门诊, 统筹, 个人).
NOTE_MIN = 4


# ── the document's text ─────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class _Line:
    text: str
    heading: bool


@lru_cache(maxsize=16)
def _lines(raw: str) -> tuple[_Line, ...]:
    """The document's lines without markup (``**``, ``__``, a leading ``#``), spaces collapsed;
    a line that a page break cut mid-sentence (it ends with no stop and the next begins with no
    article or item mark) is joined to the next, so that a sentence is one span."""
    lines: list[_Line] = []
    joinable = False
    for source in raw.splitlines():
        heading = bool(re.match(r"^\s*#", source))
        text = source.replace("**", "").replace("__", " ")
        text = re.sub(r"^\s*#+\s*", "", text)
        text = re.sub(r"[ \t\u3000\xa0]+", " ", text).strip()
        if not text:
            continue
        if joinable and not heading and not _STRUCTURE.match(text):
            lines[-1] = _Line(lines[-1].text + text, False)
        else:
            lines.append(_Line(text, heading))
        last = lines[-1]
        joinable = not last.heading and last.text[-1] not in _LINE_END and not _is_title(last)
    return tuple(lines)


def _is_title(line: _Line) -> bool:
    """A heading: marked as one, a chapter (第二章 …), or a short line with no punctuation."""
    if line.heading or re.match(rf"^第[{CN}]+章", line.text):
        return True
    return (
        len(line.text) <= 20
        and not re.search(r"[。；;：:，,]", line.text)
        and not _STRUCTURE.match(line.text)
    )


def document_text(raw: str) -> str:
    """The text quotes are taken from: the document less its markup and layout whitespace."""
    return "\n".join(line.text for line in _lines(raw))


# ── the cited article ───────────────────────────────────────────────────────────────────────


def _chunk(lines: tuple[_Line, ...], head: str) -> list[_Line]:
    """The lines of an article (第八条), a section (一 / 通知一) or a named part (主要任务)."""
    if _ARTICLE.match(head):
        start = re.compile(rf"^{head}(?![{CN}])")
        end = re.compile(rf"^第[{CN}]+[条章节]")
    elif re.fullmatch(rf"(?:通知)?[{CN}]+", head):
        start = re.compile(rf"^{head.removeprefix('通知')}、")
        end = re.compile(rf"^[{CN}]+、")
    else:
        for i, line in enumerate(lines):  # its title: the line ending in the name, no sentence
            if line.text.endswith(head) and not re.search(r"[。；;]", line.text):
                rest = lines[i + 1 :]
                stop = next((j for j, x in enumerate(rest) if _is_title(x)), len(rest))
                return list(rest[:stop])
        return []
    for i, line in enumerate(lines):
        if start.match(line.text):
            rest = lines[i + 1 :]
            stop = next((j for j, x in enumerate(rest) if end.match(x.text)), len(rest))
            return [line, *rest[:stop]]
    return []


_ITEM = {  # an item mark's level → (its pattern, any item of that level)
    "paren": (r"[（(]{}[）)]", rf"[（(][{CN}]+[）)]"),
    "digit": (r"(?<![\d.]){}[.、．]", r"(?<![\d.])\d+[.、．]"),
    "digit_paren": (r"[（(]{}[）)]", r"[（(]\d+[）)]"),
}


def _item(lines: list[_Line], level: str, mark: str) -> list[_Line]:
    """The lines of item ``mark`` (（二） / 1 / (1)) inside ``lines``: from the mark (at a line's
    start where it is, else inside a line) to the next item of the same level; the first line is
    cut to begin at the mark. Empty where the mark is not there."""
    own, any_item = _ITEM[level]
    own = own.format(re.escape(mark))
    for anchored in (True, False):
        for i, line in enumerate(lines):
            m = re.match(own, line.text) if anchored else re.search(own, line.text)
            if not m:
                continue
            first = _Line(line.text[m.start() :], line.heading)
            nxt = re.search(any_item, first.text[len(m.group(0)) :])
            if nxt and not anchored:
                return [_Line(first.text[: len(m.group(0)) + nxt.start()], line.heading)]
            rest = lines[i + 1 :]
            stop = next((j for j, x in enumerate(rest) if re.match(any_item, x.text)), len(rest))
            return [first, *rest[:stop]]
    return []


def _parts(article: str) -> list[str]:
    """第十条、第十四条 → [第十条, 第十四条]; 六（三）、一 → [六（三）, 一]."""
    return [p.strip() for p in re.split(r"[、，,]", article) if p.strip()]


def _part_lines(lines: tuple[_Line, ...], part: str) -> list[_Line]:
    """The lines one cited part names: its head, then its items (第十六条（二）（三） is two items
    side by side; 主要任务（二）2(1) is an item inside an item)."""
    m = re.match(rf"^(第[{CN}]+条|(?:通知)?[{CN}]+(?=$|[（(\d])|[^（(\d{CN}]+)", part)
    if not m or m.group(1) == "全文":
        return []
    segments = [_chunk(lines, m.group(1))]
    marks = re.findall(rf"[（(]([{CN}]+)[）)]|[（(](\d+)[）)]|(\d+)", part[m.end() :])
    groups: list[tuple[str, list[str]]] = []
    for paren, digit_paren, digit in marks:
        level = "paren" if paren else "digit_paren" if digit_paren else "digit"
        if groups and groups[-1][0] == level:
            groups[-1][1].append(paren or digit_paren or digit)
        else:
            groups.append((level, [paren or digit_paren or digit]))
    for level, items in groups:
        inner = [[x for mark in items for x in _item(seg, level, mark)] for seg in segments]
        # An item the text does not have: the enclosing part stands.
        segments = [found or seg for found, seg in zip(inner, segments, strict=True)]
    return [line for seg in segments for line in seg]


@dataclass(frozen=True)
class _Sentence:
    text: str
    lead: str  # the sentence that introduces the list this one is an item of ("" if none)


def _sentences(lines: list[_Line]) -> list[_Sentence]:
    """Sentences (ending in 。；;！？) of the lines, headings left out, an article's own
    number (第八条) dropped: each a span of one line. An item line's sentences (（一）…) keep
    the line that introduces the list (…下列情况的不享受门诊统筹待遇：)."""
    out: list[_Sentence] = []
    lead = ""
    for line in lines:
        if line.heading or _is_title(line) and not _STRUCTURE.match(line.text):
            continue
        text = line.text
        m = _ARTICLE.match(text)
        if m:
            text = text[m.end() :].lstrip()
        is_item = bool(re.match(rf"^[（(][{CN}\d]+[）)]|^\d+[.、．]", text))
        pieces = [s.strip() for s in re.split(rf"(?<=[{_SENTENCE_END}])", text) if s.strip()]
        out += [_Sentence(s, lead if is_item else "") for s in pieces]
        if not is_item:
            lead = pieces[-1] if pieces and pieces[-1][-1] in "：:" else ""
    return out


# ── what a sentence shares with the parameter ───────────────────────────────────────────────


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text).translate(_SAME)


@lru_cache(maxsize=65536)
def _common(a: str, b: str) -> int:
    """Length of the longest run of words ``a`` and ``b`` share (both flattened). Digits never
    match: a figure is a figure's business (``_figures``), and a shared date (2022年10月) says
    nothing about which sentence states a rate."""
    a = re.sub(r"\d", "\x00", _flat(a))
    b = re.sub(r"\d", "\x01", _flat(b))
    if len(a) > len(b):
        a, b = b, a
    lo, hi = 0, len(a)
    while lo < hi:  # a common run of n characters means one of n - 1 too: search the length
        mid = (lo + hi + 1) // 2
        if any(a[i : i + mid] in b for i in range(len(a) - mid + 1)):
            lo = mid
        else:
            hi = mid - 1
    return lo


def _figures(value) -> list[re.Pattern]:
    """Figures as the documents write them: 1000.00 → 1000 (元); 0.70 → 70%; 0.055 → 5.5%."""
    if isinstance(value, list):
        return [p for v in value for p in _figures(v)]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _figures(v)]
    if not isinstance(value, str):
        return []
    try:
        number = Decimal(value)
    except InvalidOperation:
        return []
    if number == 0:
        return []
    if number < 1:
        shown = f"{(number * 100).normalize():f}"
        return [re.compile(rf"(?<![\d.]){re.escape(shown)}\s*%")]
    return [re.compile(rf"(?<![\d.,]){number.normalize():f}(?![\d.])")]


def _value_words(value) -> list[str]:
    """The Chinese words of a value that names things: [spouse, parent] → 配偶, 父母."""
    if isinstance(value, list):
        return [w for v in value for w in _value_words(v)]
    if isinstance(value, str) and value in WORDS:
        return [WORDS[value][0]]
    return []


def _name_words(dotted: str) -> list[str]:
    """The parameter's Chinese name in pieces: general_outpatient.ratio.retiree.1 → 统筹基金支付
    比例, 退休人员, 一级."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        base = LABELS.get(".".join(parts[:end]))
        if base:
            return [base[0], *(WORDS[p][0] for p in parts[end:] if p in WORDS)]
    return []


def _words(words: list[str], sentence: str) -> int:
    """How much of the words the sentence has: a word counts where the sentence shares all of
    it or at least NOTE_MIN characters of it (城乡居民医保 ~ 城乡居民基本医疗保险)."""
    total = 0
    for word in words:
        shared = min(_common(word, sentence), len(word))
        if shared >= min(len(word), NOTE_MIN):
            total += shared
    return total


def _score(sentence: str, note: str, figures, value_words, name_words) -> tuple[int, ...]:
    """Note first (the note says in the document's words which sentence it read), then the
    figure, then the value's and the name's words; each counted only where it is a real match."""
    flat = _flat(sentence)
    shared = _common(note, sentence) if note else 0
    return (
        shared if shared >= NOTE_MIN else 0,
        sum(1 for f in figures if f.search(flat)),
        _words(value_words, sentence),
        _words(name_words, sentence),
    )


# ── the quote ───────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Quote:
    """A span of the document's text and where it comes from."""

    part: str  # the cited part it was taken from (第十四条 of 第十条、第十四条), "" if one
    span: str  # verbatim from ``document_text``
    cut_before: bool
    cut_after: bool
    first: bool  # nothing matched: the article's first sentence stands in

    def __str__(self) -> str:
        return "".join(
            (
                FIRST_SENTENCE if self.first else "",
                ELLIPSIS if self.cut_before else "",
                self.span,
                ELLIPSIS if self.cut_after else "",
            )
        )


def _window(sentence: str, scorer) -> tuple[str, bool, bool]:
    """A sentence too long to show whole: its best clause, widened by its neighbours while the
    quote stays short."""
    if len(sentence) <= QUOTE_CHARS:
        return sentence, False, False
    clauses = [c for c in re.split(r"(?<=[，,：:])", sentence) if c]
    best = max(range(len(clauses)), key=lambda i: (scorer(clauses[i]), -i))
    lo, hi = best, best + 1
    while True:
        grown = False
        for lo2, hi2 in ((lo - 1, hi), (lo, hi + 1)):
            fits = lo2 >= 0 and hi2 <= len(clauses)
            if fits and len("".join(clauses[lo2:hi2])) <= QUOTE_CHARS - 2:
                lo, hi, grown = lo2, hi2, True
        if not grown:
            break
    span = "".join(clauses[lo:hi])
    if len(span) > QUOTE_CHARS - 2:  # one clause longer than a quote
        return span[: QUOTE_CHARS - 2], lo > 0, True
    return span, lo > 0, hi < len(clauses)


def _best(sentences: list[_Sentence], scorer, value_words: list[str]) -> tuple[str, bool]:
    """The sentence that states the parameter, and whether it is only the first one (nothing
    matched). A list value whose words are spread over a list's items, no item naming them all
    (待遇等待期间；住院期间；…), is stated by the sentence that introduces the list."""
    scores = [scorer(s.text) for s in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    if not any(scores[best]):
        return sentences[0].text, True
    lead = sentences[best].lead
    if lead and len(value_words) > 1:
        items = [s.text for s in sentences if s.lead == lead]
        found = {w for w in value_words if any(_words([w], item) for item in items)}
        if not any(all(_words([w], item) for w in found) for item in items):
            return lead, False
    return sentences[best].text, False


def choose(raw: str, article: str, value, note: str = "", dotted: str = "") -> list[Quote]:
    """The quotes for a parameter: for each part the article names (one, or 第十条 and
    第十四条), the sentence of it that states the parameter. Empty where the article is not
    found in the text (or is 全文)."""
    lines = _lines(raw)
    figures, value_words, name_words = _figures(value), _value_words(value), _name_words(dotted)

    def scorer(text: str) -> tuple[int, ...]:
        return _score(text, note, figures, value_words, name_words)

    parts = _parts(article)
    quotes = []
    for part in parts:
        sentences = _sentences(_part_lines(lines, part))
        if not sentences:
            continue
        sentence, first = _best(sentences, scorer, value_words)
        span, cut_before, cut_after = _window(sentence, scorer)
        quotes.append(Quote(part if len(parts) > 1 else "", span, cut_before, cut_after, first))
    return quotes


def quote(raw: str, article: str, value, note: str = "", dotted: str = "") -> str:
    """The quote as the table shows it ("" where there is none); each part of a multi-part
    citation named: 〔第十条〕… 〔第十四条〕…"""
    quotes = choose(raw, article, value, note, dotted)
    return " ".join((f"〔{q.part}〕" if q.part else "") + str(q) for q in quotes)


def _cell(value) -> str:
    if value is None:
        return "**unset**"
    shown = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return shown.replace("|", PIPE)


def render() -> str:
    lines = [
        "# Policy fidelity (generated — do not edit)",
        "",
        "Generated by `python manage.py fidelity` from `policies/seeds/*.json` and the documents'",
        "texts in `policies/seeds/texts/`; `tests/policies/test_fidelity.py` fails when it is out",
        "of date. Per region and version: each parameter, its value (**unset** = left to the",
        "bureau or the pooling area: operations that need it are refused), the article, a short",
        "quote of that article, and the marking and note where the value is a reading of the text",
        "(`interpretation`, `ceiling`, `range_lower_bound`, `approximate`).",
        "",
        "The quote is the sentence of the article that states the parameter, verbatim: the one",
        "sharing the longest run of words with the note, else the one with the value's figure,",
        "else the one naming the value or the parameter (a long sentence is cut to its clauses",
        "around the match, `…`); a citation of several parts (第十条、第十四条) has one for each,",
        "named: 〔第十条〕… 〔第十四条〕….",
        f"`{FIRST_SENTENCE.strip()}` marks an article's first sentence shown because no sentence",
        "matched: the article does not state the parameter in words the note or value share.",
        "",
    ]
    for path in sorted(SEEDS_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        code = data["region"]["code"]
        text_path = TEXTS_DIR / f"{code}.txt"
        raw = text_path.read_text(encoding="utf-8") if text_path.exists() else ""
        document = data["document"]
        lines += [
            f"## {data['region']['name']} {code} · {data['effective_from']} – "
            f"{data.get('effective_to') or '…'}",
            "",
            f"Source: {data['source']}",
            "",
            "| parameter | value | article | quote | marking · note |",
            "|---|---|---|---|---|",
        ]
        tree = {k: v for k, v in document.items() if k != "sources"}
        for dotted, value in _walk(tree):
            source = source_for(document, dotted) or {}
            article = source.get("article", "")
            marking = source.get("from", "")
            note = source.get("note", "")
            remark = " · ".join(x for x in (marking, note) if x).replace("|", PIPE)
            quoted = quote(raw, article, value, note, dotted).replace("|", PIPE)
            lines.append(f"| `{dotted}` | {_cell(value)} | {article} | {quoted} | {remark} |")
        lines.append("")
    return "\n".join(lines)


def write() -> Path:
    FIDELITY_PATH.write_text(render(), encoding="utf-8")
    return FIDELITY_PATH
