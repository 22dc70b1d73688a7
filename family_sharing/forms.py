from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.forms import id_number_hint
from staff.forms import DateRangeForm
from staff.inputs import FormDateField, FormDecimalField, FormIntegerField
from staff.widgets import DateInput

from .models import PremiumPayment, SharingAuthorisation


class GrantForm(forms.Form):
    """授权: the holder is the person whose page the clerk came from."""

    member_id_number = forms.CharField(
        label=_("Relative's ID number"),
        max_length=32,
        help_text=_("Register the relative first (a residents' scheme person if need be)."),
    )
    relation = forms.ChoiceField(
        label=_("The relative is the holder's"), choices=SharingAuthorisation.Relation.choices
    )
    proof_kind = forms.ChoiceField(
        label=_("Proof of the relation"), choices=SharingAuthorisation.ProofKind.choices
    )
    proof_number = forms.CharField(label=_("Document number"), max_length=64)
    valid_from = FormDateField(
        label=_("Valid from (default today)"), required=False, widget=DateInput()
    )
    valid_to = FormDateField(label=_("Valid to (optional)"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        id_number_hint(self, "member_id_number")


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class PremiumForm(forms.Form):
    kind = forms.ChoiceField(label=_("Premium"), choices=PremiumPayment.Kind.choices)
    year = FormIntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = FormDecimalField(
        label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )


class PeriodForm(DateRangeForm):
    """The statement's date range."""
