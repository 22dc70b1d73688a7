from django import forms
from django.utils.translation import gettext_lazy as _

from staff.inputs import FormDateField


class PayrollUploadForm(forms.Form):
    file = forms.FileField(label=_("Payroll file (CSV or XLSX)"))


class StatementFilterForm(forms.Form):
    date_from = FormDateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = FormDateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
