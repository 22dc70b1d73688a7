"""The row-error bookkeeping both imports' staging passes share (staff/import_files.py)."""

from django.utils import translation

from staff.import_files import RowErrors


def _check(number, raw):
    """A row is wrong when it says so, with as many errors as it asks for."""
    wrong = raw.get("wrong", 0)
    if wrong:
        return None, [{"row": number, "field": "f", "message": "错"} for _ in range(wrong)]
    return {"row": number}, []


def test_a_good_row_is_returned_and_nothing_is_recorded():
    found = RowErrors(limit=3)
    assert found.check(2, {}, _check) == {"row": 2}
    assert (found.errors, found.bad_rows, found.dropped, found.listed()) == ([], set(), 0, [])


def test_errors_are_listed_up_to_the_cap_the_rest_counted_every_wrong_row_numbered():
    found = RowErrors(limit=3, keep=lambda raw: raw["code"])
    for number, wrong in [(2, 2), (3, 0), (4, 1), (5, 2), (6, 1)]:
        found.check(number, {"wrong": wrong, "code": f"C{number}"}, _check)
    # Rows 2 and 4 fill the cap (3 errors); rows 5 and 6 are counted, not listed.
    assert [e["row"] for e in found.errors] == [2, 2, 4]
    assert found.bad_rows == {2, 4, 5, 6} and found.dropped == 3
    # What is kept of a refused row is bounded as its errors are: the rows listed only.
    assert found.kept == {2: "C2", 4: "C4"}
    with translation.override("zh-hans"):
        listed = found.listed()
    assert listed[:3] == found.errors and listed[3] == {"message": "另有 3 条错误未列出。"}


def test_a_row_over_the_cap_still_lists_all_its_errors():
    """The cap is checked before a row, so a row's errors are listed whole (as before)."""
    found = RowErrors(limit=1)
    found.check(2, {"wrong": 3}, _check)
    assert len(found.errors) == 3 and found.dropped == 0
