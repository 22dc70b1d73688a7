from django import forms
from django.utils.translation import gettext_lazy as _

from enrollment.forms import id_number_hint
from staff.inputs import (
    CHOOSE,
    NONE_CHOSEN,
    FormCodeField,
    FormDateField,
    FormDecimalField,
    FormIntegerField,
    FormModelChoiceField,
)
from staff.widgets import DateInput, searchable

from .models import Disease


class CertificationApplyForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    disease = FormModelChoiceField(
        label=_("Disease"),
        queryset=Disease.objects.all(),
        to_field_name="code",
        empty_label=CHOOSE,
    )
    valid_from = FormDateField(label=_("Valid from"), widget=DateInput())
    valid_to = FormDateField(
        label=_("Valid to (optional)"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        id_number_hint(self, "id_number")


class DecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", "approve"), ("reject", "reject"), ("revoke", "revoke")]
    )
    reason = forms.CharField(max_length=200, required=False)


class ManualClaimForm(forms.Form):
    """手工报销: a claim keyed in by a clerk from the paper invoice."""

    claim_number = FormCodeField(label=_("Invoice number"), max_length=64)
    id_number = forms.CharField(label=_("ID number"), max_length=32)
    institution = FormModelChoiceField(
        label=_("Institution"), queryset=None, to_field_name="code", empty_label=CHOOSE
    )
    visit_date = FormDateField(label=_("Visit date"), widget=DateInput())
    benefit = forms.ChoiceField(
        label=_("Benefit"),
        choices=[
            ("general_outpatient", _("General outpatient")),
            ("chronic", _("Chronic disease")),
            ("special", _("Special disease")),
        ],
    )
    total_amount = FormDecimalField(
        label=_("Total amount"), max_digits=14, decimal_places=2, min_value=0
    )
    self_pay_amount = FormDecimalField(
        label=_("Fully self-paid"), max_digits=14, decimal_places=2, min_value=0, initial="0.00"
    )
    class_b_amount = FormDecimalField(
        label=_("Class B items"), max_digits=14, decimal_places=2, min_value=0, initial="0.00"
    )
    disease_code = FormCodeField(label=_("Disease code"), max_length=16, required=False)
    prescribing_institution = FormModelChoiceField(
        label=_("Prescribing institution (pharmacy claims)"),
        queryset=None,
        required=False,
        empty_label=NONE_CHOSEN,
        to_field_name="code",
    )
    out_of_region_filed = forms.BooleanField(
        label=_("Out-of-region care registered"),
        required=False,
        help_text=_(
            "The filing registry (异地就医备案, on the person's page) decides: a visit it covers is"
            " settled as filed even unticked; ticked without a covering filing is refused."
        ),
    )
    use_account = forms.BooleanField(
        label=_("Pay from the personal account"), required=False, initial=True
    )
    account_holder_id_number = forms.CharField(
        label=_("Family sharing: the account holder's ID number (optional)"),
        max_length=32,
        required=False,
        help_text=_("Pays from a relative's account under an active sharing authorisation."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from enrollment.models import Institution

        id_number_hint(self, "id_number", "account_holder_id_number")

        self.fields["institution"].queryset = Institution.objects.order_by("code")
        self.fields["prescribing_institution"].queryset = Institution.objects.filter(
            kind="hospital"
        ).order_by("code")
        searchable(
            self.fields["institution"].widget, "enrollment:institution_lookup", value_key="code"
        )
        searchable(
            self.fields["prescribing_institution"].widget,
            "enrollment:institution_lookup",
            value_key="code",
            params="kind=hospital",
        )

    def clean(self):
        data = super().clean()
        total, self_pay = data.get("total_amount"), data.get("self_pay_amount")
        if total is not None and self_pay is not None and self_pay > total:
            self.add_error("self_pay_amount", _("More than the total amount."))
            return data  # the in-policy amount is negative: its own check would blame class B
        class_b = data.get("class_b_amount")
        if None not in (total, self_pay, class_b) and class_b > total - self_pay:
            self.add_error("class_b_amount", _("More than the in-policy amount."))
        return data


class SettlementSearchForm(forms.Form):
    """结算查询: claim number, person (name or ID number), institution, visit dates, benefit,
    status. Every field may be left empty."""

    claim_number = forms.CharField(label=_("Claim number"), required=False, max_length=64)
    person = forms.CharField(label=_("Person (ID number or name)"), required=False, max_length=40)
    institution = forms.CharField(
        label=_("Institution (code or name)"), required=False, max_length=128
    )
    start = FormDateField(label=_("Visit from"), required=False, widget=DateInput())
    end = FormDateField(label=_("Visit to"), required=False, widget=DateInput())
    benefit = forms.ChoiceField(
        label=_("Benefit"),
        required=False,
        choices=[
            ("", _("Every benefit")),
            ("general_outpatient", _("General outpatient")),
            ("chronic", _("Chronic outpatient disease")),
            ("special", _("Special outpatient disease")),
        ],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Every status")), ("settled", _("Settled")), ("reversed", _("Reversed"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        id_number_hint(self, "person", search=True)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The period ends before it starts."))
        return data


class SettlementReverseForm(forms.Form):
    """撤销结算: the reason is required and kept on the slip and in the audit trail."""

    reason = forms.CharField(
        label=_("Reason for the reversal"),
        max_length=200,
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": _("Give the reason for the reversal.")},
    )
    confirm = forms.BooleanField(
        label=_(
            "I have checked the claim; reverse it and restore the account and year-to-date figures."
        ),
        error_messages={"required": _("Tick the box to confirm the reversal.")},
    )


class InpatientTotalForm(forms.Form):
    """The inpatient system's report of a person's inpatient pooled total for a year (住院统筹
    基金年度累计支付); it replaces the earlier report, whose history stays."""

    year = FormIntegerField(label=_("Year"), min_value=1990, max_value=9999)
    pooled = FormDecimalField(
        label=_("Inpatient pooled total"), max_digits=14, decimal_places=2, min_value=0
    )
    as_of = FormDateField(label=_("As of"), widget=DateInput())
    source = forms.CharField(label=_("Source (the inpatient system's report)"), max_length=200)
