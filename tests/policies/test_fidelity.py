"""policies/FIDELITY.md is generated from the policy files and cannot drift from them; its quotes
are the sentences of the cited articles that state the parameters, verbatim."""

import json
import re

import pytest

from policies.fidelity import (
    ELLIPSIS,
    FIDELITY_PATH,
    FIRST_SENTENCE,
    QUOTE_CHARS,
    SEEDS_DIR,
    TEXTS_DIR,
    choose,
    document_text,
    quote,
    render,
)
from policies.schema import _walk, source_for

SEED_FILES = sorted(SEEDS_DIR.glob("*.json"))


def seed_rows(path):
    """(raw text, dotted, value, source) for each parameter of a seed file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    raw = (TEXTS_DIR / f"{data['region']['code']}.txt").read_text(encoding="utf-8")
    document = data["document"]
    tree = {k: v for k, v in document.items() if k != "sources"}
    for dotted, value in _walk(tree):
        yield raw, dotted, value, source_for(document, dotted) or {}


def seed_quote(name: str, dotted: str) -> str:
    """The table's quote of one parameter of one seed file."""
    for raw, path, value, source in seed_rows(SEEDS_DIR / name):
        if path == dotted:
            return quote(raw, source.get("article", ""), value, source.get("note", ""), dotted)
    raise AssertionError(f"{dotted} not in {name}")


def test_fidelity_md_is_up_to_date():
    # Regenerate with `python manage.py fidelity` after changing a seed file.
    assert FIDELITY_PATH.read_text(encoding="utf-8") == render()


def test_quotes_pick_the_sentence_with_the_figure():
    text = "第八条 前言。起付标准为1000元，支付比例70%。\n第九条 其他。"
    assert quote(text, "第八条", "1000.00") == "起付标准为1000元，支付比例70%。"
    assert quote(text, "第八条", "0.70") == "起付标准为1000元，支付比例70%。"
    assert quote(text, "全文", None) == ""


def test_a_figure_is_matched_whole():
    # 300 is not the 300 of 3000, nor 5% the 5% of 15%.
    text = "第六条 限额为3000元，比例15%。起付标准为300元，比例5%。"
    assert quote(text, "第六条", "300.00") == "起付标准为300元，比例5%。"
    assert quote(text, "第六条", "0.05") == "起付标准为300元，比例5%。"


def test_the_sentence_sharing_words_with_the_note_is_quoted():
    text = "第八条 前言。在职职工支付比例为70%。退休人员增加5个百分点。\n第九条 其他。"
    # 75% is not in the text; the note repeats the document's words.
    assert quote(text, "第八条", "0.75", "退休人员增加5个百分点") == "退休人员增加5个百分点。"
    # The note before the figure: the note says which sentence was read.
    assert quote(text, "第八条", "0.70", "退休人员增加") == "退休人员增加5个百分点。"


def test_a_date_shared_with_the_note_does_not_choose_the_sentence():
    # Baotou 2022: the note's 2022年10月 is also 第四条's first clause (自2022年10月1日起);
    # the 3% is the retirees' clause.
    assert seed_quote("150200_2022-10-01.json", "account.retiree.rate").startswith(
        "退休人员个人账户逐步调整到由统筹基金按定额划入"
    )


def test_nothing_matching_shows_the_first_sentence_marked():
    text = "第八条 前言。起付标准为1000元。\n第九条 其他。"
    assert quote(text, "第八条", None, "本细则未规定") == f"{FIRST_SENTENCE}前言。"


def test_baotou_worked_examples_quote_the_sentences_that_state_them():
    name = "150200_2023-01-01.json"
    assert (
        seed_quote(name, "family_sharing.counts_toward_holder_deductible")
        == "个人账户家庭成员共济使用部分基金不得抵顶年度内持卡人门诊统筹起付标准。"
    )
    relations = seed_quote(name, "family_sharing.relations")
    assert relations.startswith("个人账户可以用于支付参保人员本人及其配偶、父母、子女")
    assert (
        seed_quote(name, "family_sharing.premium_kinds")
        == "个人账户也可用于配偶、父母、子女参加城乡居民基本医疗保险、职工大额医疗费用补助、"
        "长期护理保险等的个人缴费。"
    )
    for level in ("1", "2", "3"):
        retiree = seed_quote(name, f"general_outpatient.ratio.retiree.{level}")
        assert retiree.endswith("退休人员增加5个百分点。")


def test_every_multi_part_citation_quotes_each_part():
    got = seed_quote("150200_2023-01-01.json", "general_outpatient.exclusions")
    assert got.startswith("〔第十条〕参保人员有下列情况的不享受门诊统筹待遇：")
    assert "〔第十四条〕参保人员可在开展职工门诊统筹的定点医疗机构和定点零售药店" in got


def test_sub_items_are_quoted_from_the_item():
    assert (
        seed_quote(
            "150200_2023-01-01.json", "general_outpatient.inpatient_stay_includes_discharge_day"
        )
        == "（二）住院期间；"
    )
    # An item inside an item, in the middle of a line: 主要任务（二）2(1) / 2(2).
    shanghai = "310000_2023-07-01.json"
    assert seed_quote(shanghai, "general_outpatient.deductible.retiree") == (
        "(1)2001年1月1日后退休人员,门急诊自负段标准调整为300元。"
    )
    assert seed_quote(shanghai, "general_outpatient.ratio.retiree_before_2001.2") == (
        "在二级医疗机构门诊急诊的,统筹基金支付85%;"
    )
    # Two items side by side: 第十六条（二）（三）.
    assert "参加职工大额医疗费用补助" in seed_quote(
        "530400_2023-01-01.json", "family_sharing.premium_kinds"
    )


def test_a_list_value_spread_over_items_quotes_the_sentence_introducing_them():
    text = (
        "第十条 有下列情况的不享受待遇：\n（一）待遇等待期间；\n（二）住院期间。\n第十一条 其他。"
    )
    assert quote(text, "第十条", ["waiting_period", "inpatient_stay"]) == (
        "有下列情况的不享受待遇："
    )


def test_a_long_sentence_is_cut_to_the_clauses_around_the_match():
    filler = "，".join(f"第{n}项规定照旧执行" for n in "甲乙丙丁戊己庚辛壬癸")
    text = f"第八条 {filler}，退休人员增加5个百分点，{filler}。"
    got = quote(text, "第八条", None, "退休人员增加5个百分点")
    assert "退休人员增加5个百分点" in got
    assert got.startswith(ELLIPSIS) and got.endswith(ELLIPSIS)
    assert len(got) <= QUOTE_CHARS


def test_document_text_only_drops_markup_and_layout_whitespace():
    for path in sorted(TEXTS_DIR.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        assert re.sub(r"[\s*#_]", "", document_text(raw)) == re.sub(r"[\s*#_]", "", raw)
    # A sentence a page break cut is one line again (Sichuan's notice, 开始施 / 行).
    sichuan = document_text((TEXTS_DIR / "510000.txt").read_text(encoding="utf-8"))
    assert "2023年1月开始施行。" in sichuan


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
def test_every_quote_is_verbatim_from_the_document(path):
    quoted = 0
    for raw, dotted, value, source in seed_rows(path):
        text = document_text(raw)
        for chosen in choose(raw, source.get("article", ""), value, source.get("note", ""), dotted):
            assert chosen.span in text, (dotted, chosen.span)
            assert len(chosen.span) <= QUOTE_CHARS, (dotted, chosen.span)
            quoted += 1
    assert quoted


def test_every_interpretation_is_listed_with_its_note():
    rendered = render()
    assert "interpretation · “住院期间”按住院天数“算入不算出”口径" in rendered
    assert "`general_outpatient.above_cap_ratio` | **unset** | 第九条" in rendered
