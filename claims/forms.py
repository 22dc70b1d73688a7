from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Disease


class CertificationApplyForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    disease = forms.ModelChoiceField(
        label=_("Disease"), queryset=Disease.objects.all(), to_field_name="code"
    )
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Valid to (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", "approve"), ("reject", "reject"), ("revoke", "revoke")]
    )
    reason = forms.CharField(max_length=200, required=False)
