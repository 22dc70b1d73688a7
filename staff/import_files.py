"""Files an import page hands out: a template (Chinese headers, a sheet of notes with the
allowed values, sheets listing codes) and an error report (the rows with errors as they were
in the file, the error in Chinese beside each row).

The headers a template writes are also accepted by the imports (``header_codes``): a clerk
fills in the template and uploads it as it is."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _

from .exports import xlsx_response


def choices_text(choices) -> str:
    """A template's allowed values: ``01（甲类）；02（乙类）``."""
    return "；".join(f"{value}（{label}）" for value, label in choices)


def header_codes(headers: Iterable, chinese: dict[str, str]) -> list[str]:
    """A file's header row as column codes: a code stays, a template's Chinese header becomes
    its code (``身份证号码`` → ``id_number``); anything else is left for the caller to refuse."""
    by_label = {label: code for code, label in chinese.items()}
    names = [str(h or "").strip().lstrip("\ufeff") for h in headers]
    return [by_label.get(n, n) for n in names]


def column_names(codes: Iterable[str], chinese: dict[str, str]) -> str:
    """Columns as a refusal names them: the template's Chinese header with the code a file may
    use instead (``身份证号码（id_number）``); a clerk filling in the template never sees the
    codes alone (a missing column read ``code, kind, chrgitm_lv``)."""
    return "，".join(f"{chinese[c]}（{c}）" if c in chinese else str(c) for c in codes)


def template_response(
    filename: str,
    *,
    columns: Sequence[str],
    chinese: dict[str, str],
    notes: Sequence[tuple[str, str]],
    example: Sequence | None = None,
    lists: Sequence[tuple[str, Sequence[Sequence]]] = (),
):
    """The template: sheet 1 the header row (and an example row, to be overwritten), sheet
    填写说明 one line per column with what it takes, then a sheet per code list."""
    sheet = [[chinese[c] for c in columns]]
    if example:
        sheet.append(list(example))
    explained = [[_("Column"), _("Column code"), _("What to enter (allowed values)")]]
    explained += [[chinese[code], code, text] for code, text in notes]
    explained.append([])
    explained.append(
        [_("Headers may be the Chinese ones above or the column codes; keep one header row.")]
    )
    return xlsx_response(
        filename, [(_("Data"), sheet), (_("Notes"), explained), *[(t, rows) for t, rows in lists]]
    )


def _joined(errors: Sequence[str]) -> str:
    """The row's errors as one cell: 原因一；原因二 (a sentence's own 。 is not doubled)."""
    errors = [e for e in errors if e]
    return "；".join([e.removesuffix("。") for e in errors[:-1]] + errors[-1:])


def error_report_response(
    filename: str,
    *,
    columns: Sequence[str],
    chinese: dict[str, str],
    rows: Sequence[tuple[int | None, dict, list[str]]],
):
    """The rows with errors: 行号, the row's values under the Chinese headers, 错误原因 (every
    error of the row, with the column it is in). A file-wide error has no row number."""
    header = [_("Row number"), *[chinese.get(c, c) for c in columns], _("Error reason")]
    body = [
        [number, *[values.get(c, "") for c in columns], _joined(errors)]
        for number, values, errors in rows
    ]
    return xlsx_response(filename, [(_("Errors"), [header, *body])])


def error_text(error: dict, chinese: dict[str, str]) -> str:
    """``单位编码：没有这个编码的单位。`` — the column in Chinese, then the reason."""
    column = error.get("field") or ""
    label = chinese.get(column) or ""
    return f"{label}：{error['message']}" if label else str(error["message"])


class RowErrors:
    """The format errors an import's staging pass finds, row by row: every wrong row's number
    (to count them), the errors of the first wrong rows up to ``limit`` (the job lists no more),
    how many errors were left off, and, for the rows whose errors are listed, what ``keep``
    takes of the row as it was read (a check that must show those rows, which were never
    staged, needs no second reading of the file; bounded by the same limit)."""

    def __init__(self, *, limit: int, keep: Callable[[dict], Any] | None = None):
        self.limit = limit
        self.keep = keep
        self.errors: list[dict] = []
        self.bad_rows: set[int] = set()
        self.kept: dict[int, Any] = {}
        self.dropped = 0

    def check(self, number: int, raw: dict, check_row: Callable[[int, dict], tuple]):
        """``check_row(number, raw)`` → (staging row, errors): the staging row, or None when
        the row has errors (recorded here)."""
        row, row_errors = check_row(number, raw)
        if not row_errors:
            return row
        self.bad_rows.add(number)
        if len(self.errors) < self.limit:
            self.errors.extend(row_errors)
            if self.keep is not None:
                self.kept[number] = self.keep(raw)
        else:
            self.dropped += len(row_errors)
        return None

    def listed(self) -> list[dict]:
        """The errors kept, then one line saying how many more were not listed."""
        if not self.dropped:
            return list(self.errors)
        return [
            *self.errors,
            {"message": _("%(n)d further errors not listed.") % {"n": self.dropped}},
        ]
