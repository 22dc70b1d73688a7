"""Form widgets shared by every app."""

from django import forms

ISO_DATE = "%Y-%m-%d"


class DateInput(forms.DateInput):
    """``<input type="date">`` whose value is always an ISO date (``2022-01-01``).

    The browser's date input accepts only ISO dates in its ``value`` and shows anything else as
    empty. Django's DateInput formats a date with the active language's first input format
    (``2022/01/01`` in zh-hans), so an untouched form would post the date back empty and erase
    it. The format is therefore fixed here and never localised."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs=attrs, format=format or ISO_DATE)
