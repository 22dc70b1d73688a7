from django import forms
from django.utils.translation import gettext_lazy as _

from staff.inputs import FormDateField
from staff.uploads import FormUploadField
from staff.widgets import DateInput


class PayrollUploadForm(forms.Form):
    file = FormUploadField(label=_("Payroll file (CSV or XLSX)"))


class StatementFilterForm(forms.Form):
    date_from = FormDateField(label=_("From"), required=False, widget=DateInput())
    date_to = FormDateField(label=_("To"), required=False, widget=DateInput())
