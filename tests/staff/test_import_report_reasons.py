"""An error report's 错误原因 cell: the row's reasons joined by ；, a sentence's 。 not doubled."""

from staff.import_files import _joined


def test_reasons_are_joined_without_a_doubled_full_stop():
    assert (
        _joined(["等级须为 01、02 或 03。", "编码不能为空。"])
        == "等级须为 01、02 或 03；编码不能为空。"
    )
    assert _joined(["编码不能为空。"]) == "编码不能为空。"
    assert _joined([]) == ""
