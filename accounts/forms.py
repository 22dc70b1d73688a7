from django import forms
from django.utils.translation import gettext_lazy as _

from staff.forms import DateRangeForm
from staff.inputs import FormPeriodField
from staff.uploads import FormUploadField


class PayrollUploadForm(forms.Form):
    file = FormUploadField(label=_("Payroll file (CSV or XLSX)"))


class StatementFilterForm(DateRangeForm):
    """The statement's date range."""


class ReceiptFilterForm(forms.Form):
    """缴费凭证: the periods (YYYY-MM) whose payroll credits the receipt lists."""

    period_from = FormPeriodField(label=_("From period"), required=False)
    period_to = FormPeriodField(label=_("To period"), required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", _("The end period is before the start period."))
        return data
