"""The replay's tables as the result page, the report and the export build them."""

from django.utils import translation

from replay.exports import _differences_table


def test_the_differences_values_are_right_aligned_like_every_figure():
    # 700.00 元 and 500.00 元 stood at the left of their columns on the result and the report.
    result = {
        "differences": [
            {"path": "general_outpatient.deductible.employee", "article": "第十四条",
             "in_force": "700.00", "draft": "500.00"},
        ]
    }  # fmt: skip
    with translation.override("zh-hans"):
        table = _differences_table(result)
    assert [numeric for _title, numeric in table.headers] == [False, False, True, True]
    assert [numeric for _text, numeric in table.shown_rows[0]] == [False, False, True, True]
