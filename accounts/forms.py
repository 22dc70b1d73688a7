from django import forms
from django.utils.translation import gettext_lazy as _


class PayrollUploadForm(forms.Form):
    file = forms.FileField(label=_("Payroll file (CSV or XLSX)"))


class StatementFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
