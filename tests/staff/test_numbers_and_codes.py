"""Money and counts as pages show them, and codes as labels (staff/numbers.py, staff/codes.py)."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from staff import codes
from staff.numbers import format_count, format_money, format_percent


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("11705.28000000000"), "11,705.28"),  # a SQL sum on the embedded SQLite
        (Decimal("173135.99000"), "173,135.99"),
        (Decimal("12345.675"), "12,345.68"),  # half up
        (Decimal("-1234.5"), "-1,234.50"),
        (Decimal("0"), "0.00"),
        (1234567, "1,234,567.00"),
        ("8.1", "8.10"),
        (None, ""),
    ],
)
def test_money_is_two_places_with_thousands_separators(value, shown):
    assert format_money(value) == shown


def test_money_refuses_float():
    with pytest.raises(TypeError):
        format_money(0.1)


def test_amounts_inside_sentences_get_separators():
    from staff.numbers import money_in_text

    assert money_in_text("年度起付 1000.00，已用 0.00；（12345.60 − 700.00）× 0.80") == (
        "年度起付 1,000.00，已用 0.00；（12,345.60 − 700.00）× 0.80"
    )


def test_counts_have_separators():
    assert format_count(1234567) == "1,234,567"
    assert format_count(True) == "True"  # a flag is no count


@pytest.mark.parametrize(
    "value, shown",
    [
        (Decimal("0.1000"), "10%"),
        ("0.0525", "5.25%"),
        (Decimal("1"), "100%"),
        (Decimal("0.0000"), "0%"),
        (0, "0%"),
        (None, ""),
    ],
)
def test_proportions_are_percents(value, shown):
    assert format_percent(value) == shown
    with pytest.raises(TypeError):
        format_percent(0.1)


def test_template_filters():
    out = Template(
        "{% load money %}{{ a|money }}|{{ n|count }}|{{ k|code:'ledger_kind' }}|{{ c|cell }}"
    ).render(Context({"a": Decimal("1234.5"), "n": 12000, "k": "shared_debit", "c": 7}))
    with translation.override("zh-hans"):
        zh = Template("{% load money %}{{ k|code }}").render(Context({"k": "shared_debit"}))
    assert out.startswith("1,234.50|12,000|")
    assert out.endswith("|7")
    assert "shared_debit" not in zh


def test_codes_become_words_in_chinese():
    with translation.override("zh-hans"):
        for table in codes.CODES.values():
            for code, label in table.items():
                if code in codes.known_codes():
                    assert str(label) != code
        assert codes.label("child") == "子女"
        assert codes.label("monthly_crediting") == "退休人员个人账户按月划入"
        assert "payroll" not in codes.reference_label("payroll:job:6:row:2")
        assert "6" in codes.reference_label("payroll:job:6:row:2")
        assert codes.reference_label("retiree-crediting:2026-05:0123456789ab").endswith("2026-05")
        sentence = codes.result_sentence({"rows": 2000, "credited": 2, "amount": "1234.5"})
        assert "rows" not in sentence and "2,000" in sentence and "1,234.50" in sentence


def test_settlement_references_are_found():
    assert codes.settlement_id_of("settlement:5") == 5
    assert codes.settlement_id_of("settlement:5:reversal") == 5
    assert codes.settlement_id_of("payroll:job:6") is None


def test_a_steps_rule_shows_its_proportions_as_percents_and_its_amounts_as_money():
    from staff.numbers import rule_in_text

    assert rule_in_text("第十五条 乙类先行自付 200 × 0.10") == "第十五条 乙类先行自付 200.00 × 10%"
    assert rule_in_text("（12345.60 − 700.00）× 0.80") == "（12,345.60 − 700.00）× 80%"
    assert rule_in_text("年度起付 1000.00，已用 0.00") == "年度起付 1,000.00，已用 0.00"
    assert rule_in_text("医用脱脂纱布（8cm×10cm）") == "医用脱脂纱布（8cm×10cm）"


def test_every_explanation_step_of_the_calculator_has_a_label():
    # A slip shows each explanation line's step by its label (``code:"step"``): a step written
    # by the calculator without one would show its code to the clerk.
    import re
    from pathlib import Path

    import claims.calculator

    text = Path(claims.calculator.__file__).read_text(encoding="utf-8")
    steps = set(re.findall(r'b\.(?:line|note)\(\s*"([a-z_]+)"', text))
    assert {"cash", "combined_max", "out_of_region_filing_not_counted"} <= steps
    assert steps - set(codes.CODES["step"]) == set()
    with translation.override("zh-hans"):
        assert codes.label("out_of_region_filing_not_counted", "step") == "备案不属所列情形"


def test_a_jobs_sentence_takes_the_readers_separator():
    from django.utils import translation

    result = {"filename": "工资单.csv", "rows": 3}
    with translation.override("zh-hans"):
        assert codes.result_sentence(result) == "文件 工资单.csv；行数 3"
    with translation.override("en"):
        assert codes.result_sentence(result) == "File 工资单.csv; Rows 3"
