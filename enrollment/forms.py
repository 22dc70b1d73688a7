import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from policies.models import Region
from staff.inputs import (
    CHOOSE,
    NONE_CHOSEN,
    FormCodeField,
    FormDateField,
    FormDecimalField,
    FormModelChoiceField,
)
from staff.uploads import FormUploadField
from staff.widgets import DateInput, searchable

from .models import Employer, Institution, OutOfRegionFiling, Person


class RegionChoiceField(FormModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", CHOOSE)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"


def id_number_hint_attrs(name: str = "id_number", *, search: bool = False) -> dict[str, str]:
    """Attributes that make ``static/js/id_number.js`` show, as the number is typed, the birth
    date, sex and issuing place it encodes, in the page's language, in a box after the input
    (``<name>_hint``). ``search``: a box that takes a name or an ID number (or a prefix) shows
    the hint only once 18 characters shaped like an ID number are typed, and nothing for a
    name."""
    from django.urls import reverse
    from django.utils.translation import gettext

    messages = {
        "length": gettext("%(n)s of 18 characters"),
        "shape": gettext("An ID number is 17 digits followed by a digit or X."),
        "checksum": gettext(
            "Wrong check digit: this ID number is invalid (GB 11643). Check the number on the card."
        ),
        "date": gettext("The birth date in the ID number does not exist."),
        "future": gettext("The birth date in the ID number is in the future."),
        "birth": gettext("Birth date"),
        "sex": gettext("Sex"),
        "male": gettext("Male"),
        "female": gettext("Female"),
        "place": gettext("Issued in"),
        "unknown": gettext("place code %(code)s is not in the division table"),
    }
    return {
        "data-id-number": "search" if search else "",
        "data-place-url": reverse("enrollment:place", args=["000000"]),
        "data-messages": json.dumps(messages, ensure_ascii=False),
        "autocomplete": "off",
        "aria-describedby": f"{name}_hint",
    }


def id_number_hint(form: forms.Form, *names: str, search: bool = False) -> None:
    """Give the form's ID-number fields ``names`` the typing hint (in ``__init__``: the messages
    are in the request's language)."""
    for name in names:
        if name in form.fields:
            form.fields[name].widget.attrs.update(id_number_hint_attrs(name, search=search))


class PersonForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=32)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        id_number_hint(self, "id_number")
        if self.is_bound and self._regions_differ():
            # Shown only once a registration with an employer of another region was sent:
            # the refusal names both regions and this box confirms it on the next save.
            self.fields["confirm_other_region"] = forms.BooleanField(
                label=_("Confirm: the person is insured in a region other than the employer's"),
                required=False,
            )

    def _regions_differ(self) -> bool:
        region = (self.data.get("region") or "").strip()
        employer = (self.data.get("employer") or "").strip()
        if not region or not employer.isascii() or not employer.isdigit():
            return False
        return Employer.objects.filter(pk=employer).exclude(region__code=region).exists()

    name = forms.CharField(label=_("Name"), max_length=64)
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code"
    )
    scheme = forms.ChoiceField(label=_("Scheme"), choices=Person.Scheme.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Person.Category.choices)
    employment = forms.ChoiceField(label=_("Employment"), choices=Person.Employment.choices)
    employer = FormModelChoiceField(
        label=_("Employer"),
        queryset=Employer.objects.all(),
        required=False,
        empty_label=NONE_CHOSEN,
        widget=searchable(forms.Select(), "enrollment:employer_lookup"),
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
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=128)
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code"
    )


class InstitutionForm(forms.Form):
    code = FormCodeField(label=_("Institution code"), max_length=32)
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=128)
    region = RegionChoiceField(
        label=_("Region"), queryset=Region.objects.all(), to_field_name="code"
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Institution.Kind.choices)
    level = forms.ChoiceField(
        # An optional choice's empty option says 无, as every form's does (a pharmacy has none).
        label=_("Level"),
        choices=[("", NONE_CHOSEN)] + list(Institution.Level.choices),
        required=False,
    )
    designated = forms.BooleanField(label=_("Designated"), required=False, initial=True)


class ImportForm(forms.Form):
    KINDS = [("persons", _("Persons")), ("institutions", _("Institutions"))]
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KINDS)
    file = FormUploadField(label=_("File (CSV or XLSX)"))


def _region_choices():
    return [("", _("All regions"))] + [
        (r.code, f"{r.code} {r.name}") for r in Region.objects.order_by("code")
    ]


class ListFilterForm(forms.Form):
    """The search and filters above a list (GET): a text, a region; subclasses add more."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autofocus": True, "type": "search"}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()

    def filters(self) -> dict:
        """The cleaned filters with empty ones left out (an invalid form filters nothing)."""
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None)}


class PersonFilterForm(ListFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses"))] + list(Person.Status.choices),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("ID number, name or pinyin initials")
        id_number_hint(self, "q", search=True)


class EmployerFilterForm(ListFilterForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Code, name or pinyin initials")


class InstitutionFilterForm(EmployerFilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds"))] + list(Institution.Kind.choices),
    )
    designated = forms.ChoiceField(
        label=_("Designated"),
        required=False,
        choices=[("", _("All")), ("1", _("Designated")), ("0", _("Not designated"))],
    )

    def filters(self) -> dict:
        found = super().filters()
        if "designated" in found:
            found["designated"] = found["designated"] == "1"
        return found


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
