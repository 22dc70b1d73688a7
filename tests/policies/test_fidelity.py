"""policies/FIDELITY.md is generated from the policy files and cannot drift from them."""

from policies.fidelity import FIDELITY_PATH, quote, render


def test_fidelity_md_is_up_to_date():
    # Regenerate with `python manage.py fidelity` after changing a seed file.
    assert FIDELITY_PATH.read_text(encoding="utf-8") == render()


def test_quotes_pick_the_sentence_with_the_figure():
    text = "第八条 前言。起付标准为1000元，支付比例70%。\n第九条 其他。"
    assert quote(text, "第八条", "1000.00") == "起付标准为1000元，支付比例70%。"
    assert quote(text, "第八条", "0.70") == "起付标准为1000元，支付比例70%。"
    assert quote(text, "全文", None) == ""


def test_every_interpretation_is_listed_with_its_note():
    rendered = render()
    assert "interpretation · “住院期间”按住院天数“算入不算出”口径" in rendered
    assert "`general_outpatient.above_cap_ratio` | **unset** | 第九条" in rendered
