"""The form that starts a replay: a draft and the period whose settlements it replays."""

import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policies.models import PolicyDraft
from staff.inputs import FormDateField, FormModelChoiceField, has_foreign_digits
from staff.widgets import DateInput

# 2025-01-01 or 20250101, ASCII digits only (other digits are refused first, by the field).
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{8}", re.ASCII)
# A replay reads every settlement of the period once: ten years is more than any evaluation
# needs and keeps a mistyped year from queueing a job over the region's whole history.
MAX_YEARS = 10


class ReplayDateField(FormDateField):
    """A day as ``YYYY-MM-DD`` or ``YYYYMMDD``; anything else is refused naming the field.

    The page shows the project's date picker (``staff.widgets.DateInput``, ISO values); the
    compact form is read too, for a browser without the picker or a posted form."""

    widget = DateInput
    input_formats = ["%Y-%m-%d", "%Y%m%d"]

    def to_python(self, value):
        if isinstance(value, str):
            text = value.strip()
            if text and not has_foreign_digits(text) and not _DATE.fullmatch(text):
                raise forms.ValidationError(
                    _(
                        "%(field)s: write the date as YYYY-MM-DD or YYYYMMDD, e.g. 2025-01-01;"
                        " got “%(value)s”."
                    ),
                    code="invalid",
                    params={"field": self.label, "value": text},
                )
            value = text
        return super().to_python(value)


class DraftChoiceField(FormModelChoiceField):
    def label_from_instance(self, draft):
        return draft_label(draft)


def draft_label(draft: PolicyDraft) -> str:
    """``包头市 · 草稿 #7 · 2025-01-01 起 · 包府办发…`` (a draft has no title of its own)."""
    source = draft.source if len(draft.source) <= 40 else draft.source[:39] + "…"
    return _("%(region)s · draft #%(id)s from %(start)s · %(source)s") % {
        "region": draft.region.name,
        "id": draft.pk,
        "start": draft.effective_from.isoformat(),
        "source": source,
    }


class ReplayForm(forms.Form):
    draft = DraftChoiceField(
        PolicyDraft.objects.select_related("region").order_by("region__code", "-created_at"),
        label=_("Policy draft to evaluate"),
        empty_label=_("Choose a draft"),
        error_messages={"invalid_choice": _("No such draft: choose one of the list.")},
    )
    start = ReplayDateField(
        label=_("Replay from (date)"), help_text=_("YYYY-MM-DD or YYYYMMDD, e.g. 2025-01-01")
    )
    end = ReplayDateField(
        label=_("Replay to (date)"), help_text=_("YYYY-MM-DD or YYYYMMDD, e.g. 2025-12-31")
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        today = timezone.localdate()
        for name in ("start", "end"):
            day = data.get(name)
            if day and day > today:
                message = _(
                    "%(field)s: %(day)s is in the future; a replay reads settlements made up to"
                    " today (%(today)s)."
                )
                self.add_error(
                    name,
                    message
                    % {
                        "field": self.fields[name].label,
                        "day": day.isoformat(),
                        "today": today.isoformat(),
                    },
                )
        if start and end and start > end:
            self.add_error(
                "end",
                _("The replay ends before it starts: the end date is earlier than the start date."),
            )
        elif start and end and (end - start).days > MAX_YEARS * 366:
            self.add_error("start", _("Choose at most ten years."))
        return data

    def parameters(self) -> dict:
        """The job's parameters (``jobs.services.job_create``), dates in ISO form."""
        data = self.cleaned_data
        return {
            "draft": data["draft"].pk,
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
        }
