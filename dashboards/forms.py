"""The dashboards' filters: region, period (months) and category."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.models import Region
from staff.inputs import BadInput, FormModelChoiceField, parse_period

from .selectors import Filters

CATEGORIES = [("", _("All categories")), ("employee", _("Employees")), ("retiree", _("Retirees"))]


class MonthInput(forms.TextInput):
    """``<input type="month">``: the browser's month picker, whose value is ``YYYY-MM`` (what
    ``MonthField`` reads); ``max`` is this month, as the field refuses later ones."""

    input_type = "month"

    def get_context(self, name, value, attrs):
        attrs = {"max": f"{timezone.localdate():%Y-%m}", "min": "2000-01", **(attrs or {})}
        if isinstance(value, date):
            value = f"{value:%Y-%m}"
        return super().get_context(name, value, attrs)


class MonthField(forms.CharField):
    """``YYYY-MM`` → the month's first day: ASCII digits, up to this month (a dashboard shows
    what happened; ``9999-12`` would also run past the last date the selectors can compute)."""

    widget = MonthInput

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_period(value, field=str(self.label), today=timezone.localdate())
        except BadInput as exc:
            raise forms.ValidationError(exc.message) from None


class FilterForm(forms.Form):
    region = FormModelChoiceField(
        Region.objects.all(), required=False, empty_label=_("All regions"), label=_("Region")
    )
    start = MonthField(required=False, label=_("From (month)"))
    end = MonthField(required=False, label=_("To (month)"))
    category = forms.ChoiceField(choices=CATEGORIES, required=False, label=_("Category"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:  # the pickers show the default period the figures cover
            filters = self.filters()
            self.initial.setdefault("start", filters.start)
            self.initial.setdefault("end", filters.end)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The period ends before it starts."))
        if start and end and (end.year - start.year) * 12 + end.month - start.month > 120:
            self.add_error("start", _("Choose at most ten years."))
        return data

    def filters(self) -> Filters:
        """The chosen filters; by default the twelve months up to this one."""
        data = self.cleaned_data if self.is_valid() else {}
        this_month = timezone.localdate().replace(day=1)
        end = data.get("end") or this_month
        start = data.get("start") or date(end.year - 1 + (end.month == 12), end.month % 12 + 1, 1)
        region = data.get("region")
        return Filters(
            start=start,
            end=end,
            region_id=region.pk if region else None,
            category=data.get("category") or None,
        )
