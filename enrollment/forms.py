from django import forms
from django.utils.translation import gettext_lazy as _

from policies.models import Region
from staff.inputs import FormCodeField, FormDateField, FormDecimalField
from staff.uploads import FormUploadField
from staff.widgets import DateInput

from .models import Employer, Institution, OutOfRegionFiling, Person


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


class PersonForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=64)
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code"
    )
    scheme = forms.ChoiceField(label=_("Scheme"), choices=Person.Scheme.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Person.Category.choices)
    employment = forms.ChoiceField(label=_("Employment"), choices=Person.Employment.choices)
    employer = forms.ModelChoiceField(
        label=_("Employer"), queryset=Employer.objects.all(), required=False
    )
    contribution_base = FormDecimalField(
        label=_("Contribution base (yuan/month)"),
        max_digits=14,
        decimal_places=2,
        required=False,
        min_value=0,
    )
    retirement_date = FormDateField(label=_("Retirement date"), required=False, widget=DateInput())
    benefits_from = FormDateField(label=_("Benefits from"), required=False, widget=DateInput())
    status = forms.ChoiceField(label=_("Status"), choices=Person.Status.choices)


class PersonEditForm(PersonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["id_number"]


class RetireForm(forms.Form):
    retirement_date = FormDateField(label=_("Retirement date"), widget=DateInput())


class InpatientStayForm(forms.Form):
    admitted_on = FormDateField(label=_("Admitted on"), widget=DateInput())
    discharged_on = FormDateField(label=_("Discharged on"), required=False, widget=DateInput())


class DischargeForm(forms.Form):
    discharged_on = FormDateField(label=_("Discharged on"), widget=DateInput())


class EmployerForm(forms.Form):
    code = FormCodeField(label=_("Employer code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=128)
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code"
    )


class InstitutionForm(forms.Form):
    code = FormCodeField(label=_("Institution code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=128)
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code"
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Institution.Kind.choices)
    level = forms.ChoiceField(
        label=_("Level"), choices=[("", "—")] + list(Institution.Level.choices), required=False
    )
    designated = forms.BooleanField(label=_("Designated"), required=False, initial=True)


class ImportForm(forms.Form):
    KINDS = [("persons", _("Persons")), ("institutions", _("Institutions"))]
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KINDS)
    file = FormUploadField(label=_("File (CSV or XLSX)"))


class FilingForm(forms.Form):
    """异地就医备案: where and from when a person may be treated as a filed patient."""

    kind = forms.ChoiceField(label=_("Kind of filing"), choices=OutOfRegionFiling.Kind.choices)
    region = RegionChoiceField(
        label=_("Place filed"), queryset=Region.objects.order_by("code"), to_field_name="code"
    )
    valid_from = FormDateField(label=_("Valid from"), widget=DateInput())
    valid_to = FormDateField(
        label=_("Valid to (a temporary filing needs it)"), required=False, widget=DateInput()
    )


class FilingEndForm(forms.Form):
    """Ending (or revoking) a filing: its last day and the reason; the row stays."""

    valid_to = FormDateField(label=_("Last day"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), max_length=200)
