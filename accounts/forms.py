from django import forms
from django.utils.translation import gettext_lazy as _

from staff.inputs import FormDateField, FormPeriodField
from staff.uploads import FormUploadField
from staff.widgets import DateInput


class PayrollUploadForm(forms.Form):
    file = FormUploadField(label=_("Payroll file (CSV or XLSX)"))


class StatementFilterForm(forms.Form):
    date_from = FormDateField(
        label=_("From"), required=False, widget=DateInput(), not_after_today=True
    )
    date_to = FormDateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        # A range that ends before it starts was printed as a document of that range, with
        # nothing in it and a closing balance of 0.00.
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                _("The end date (%(end)s) is before the start date (%(start)s).")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        return data


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
