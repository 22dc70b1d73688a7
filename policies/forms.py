import json

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from staff.inputs import NONE_CHOSEN, FormDateField, FormModelChoiceField
from staff.parsers import depth_message, loads, parse_error_message, plain_json, too_deep
from staff.widgets import DateInput

from .models import Region


class RegionForm(forms.Form):
    code = forms.RegexField(
        label=_("Region code"),
        regex=r"^[0-9]{6}$",
        error_messages={"invalid": _("The region code is six digits, e.g. 510100.")},
    )
    name = forms.CharField(label=pgettext_lazy("organisation", "Name"), max_length=64)
    parent = FormModelChoiceField(
        label=_("Parent region (framework)"),
        queryset=Region.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=NONE_CHOSEN,
    )


class PublishForm(forms.Form):
    effective_from = FormDateField(label=_("Effective from"), widget=DateInput())
    effective_to = FormDateField(
        label=_("Effective to (optional)"),
        required=False,
        widget=DateInput(),
    )
    source = forms.CharField(label=_("Source document (文号 and title)"), max_length=2000)
    # Set when the form was opened from a draft: publishing (or saving again) retires it.
    draft_id = forms.CharField(required=False, widget=forms.HiddenInput, max_length=12)
    document = forms.CharField(
        label=_("Policy document (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "class": "code", "spellcheck": "false"}),
    )

    def clean_document(self):
        text = self.cleaned_data["document"]
        if too_deep(text):
            raise forms.ValidationError(depth_message())
        try:
            # Numbers with a fraction as their exact text (0.85 → "0.85"), as on the API.
            return plain_json(loads(text))
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s (line %(line)d, column %(col)d)")
                % {"error": exc.msg, "line": exc.lineno, "col": exc.colno}
            ) from None
        except ValueError as exc:  # NaN or Infinity, a number of too many digits
            raise forms.ValidationError(parse_error_message(exc)) from None


class VersionChoiceField(FormModelChoiceField):
    def label_from_instance(self, obj):
        end = obj.effective_to.isoformat() if obj.effective_to else "…"
        return f"{obj.effective_from.isoformat()} – {end}  {obj.source[:60]}"


class PublishBaseForm(forms.Form):
    """Where a publication starts from: the start date (e.g. a fill for a past period) and the
    version whose text the form is filled with (by default the one in force on that date)."""

    on = FormDateField(label=_("Start date"), required=False, widget=DateInput())
    base = VersionChoiceField(
        label=_("Base version"), queryset=None, required=False, empty_label=_("The one in force")
    )

    def __init__(self, *args, region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["base"].queryset = region.versions.filter(kind="version").order_by(
            "-effective_from"
        )
