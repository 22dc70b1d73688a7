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


def searchable(select: forms.Select, url_name: str, *, value_key: str = "id", params: str = ""):
    """Marks a plain ``<select>`` for ``static/js/searchable_select.js``: with script a search box
    above it asks ``url_name`` (a JSON lookup: code, name or pinyin initials) and refills the
    options; without script it stays the plain select it is. ``value_key`` names the JSON field
    that is the option's value (``id`` or ``code``); ``params`` is added to every lookup."""
    from django.urls import reverse_lazy
    from django.utils.translation import gettext_lazy as _

    select.attrs.update(
        {
            "data-lookup": reverse_lazy(url_name),
            "data-lookup-value": value_key,
            "data-lookup-params": params,
            "data-lookup-placeholder": _("Type a code, a name or pinyin initials"),
            "data-lookup-found": _("{n} found"),
            "data-lookup-more": _("{n} found, the first {shown} listed"),
        }
    )
    return select
