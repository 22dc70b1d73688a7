import json

from django import forms
from django.utils.translation import gettext_lazy as _

from staff.inputs import FormDateField
from staff.parsers import depth_message, too_deep


class PublishForm(forms.Form):
    effective_from = FormDateField(
        label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    effective_to = FormDateField(
        label=_("Effective to (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    source = forms.CharField(label=_("Source document (文号 and title)"), max_length=2000)
    document = forms.CharField(
        label=_("Policy document (JSON)"),
        widget=forms.Textarea(attrs={"rows": 30, "class": "code", "spellcheck": "false"}),
    )

    def clean_document(self):
        text = self.cleaned_data["document"]
        if too_deep(text):
            raise forms.ValidationError(depth_message())
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s (line %(line)d, column %(col)d)")
                % {"error": exc.msg, "line": exc.lineno, "col": exc.colno}
            ) from None
