from django import forms
from django.utils.translation import gettext_lazy as _

from staff.widgets import DateInput


class PayrollUploadForm(forms.Form):
    file = forms.FileField(label=_("Payroll file (CSV or XLSX)"))


class StatementFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
