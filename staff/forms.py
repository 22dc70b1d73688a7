"""Helpers for forms that call services."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .errors import DomainError
from .inputs import FormDateField
from .selectors import CATEGORIES, AuditQuery
from .widgets import DateInput

# Django's own zh-hans catalogue leaves a label's suffix as the half-width ":"; Chinese labels
# take the full-width "：" (姓名：). The project's catalogue comes first (LOCALE_PATHS) and
# translates both; marked here so that makemessages keeps the entries. The second is the
# endings after which Django adds no suffix: a label ending in "？" or "：" gets none.
LABEL_SUFFIX = gettext_noop(":")
LABEL_ENDINGS = gettext_noop(":?.!")


def apply_error(form, exc: Exception) -> None:
    """Show a service's refusal on the form, next to the field it names."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    elif isinstance(exc, DomainError):
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    else:  # pragma: no cover - programming error
        raise exc


def form_page(
    request, form, *, action, success, redirect_to, title, context=None, template="form.html"
):
    """The shape of every page that submits one form to one service.

    GET shows the form; a valid POST calls ``action(cleaned_data)``; a refusal (a model
    ValidationError or a DomainError) is shown next to the field it names and nothing is
    written; success shows ``success`` and redirects. ``success`` and ``redirect_to`` may be
    callables of the action's result."""
    if request.method == "POST" and form.is_valid():
        try:
            result = action(form.cleaned_data)
        except (ValidationError, DomainError) as exc:
            apply_error(form, exc)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    # A refused form is a 400 (bad input is a 4xx on every page), shown with its messages.
    status = 400 if request.method == "POST" and form.is_bound and form.errors else 200
    return render(
        request, template, {"form": form, "title": title, **(context or {})}, status=status
    )


class AuditFilterForm(forms.Form):
    """The audit trail's search: person, user, dates, kind of event."""

    person = forms.CharField(required=False, max_length=40, label=_("Person (ID number or name)"))
    user = forms.CharField(required=False, max_length=150, label=_("User name"))
    start = FormDateField(required=False, label=_("From"), widget=DateInput())
    end = FormDateField(required=False, label=_("To"), widget=DateInput())
    category = forms.ChoiceField(
        required=False,
        label=_("Kind"),
        choices=[("", _("Everything"))] + [(k, v[0]) for k, v in CATEGORIES.items()],
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("end", _("The period ends before it starts."))
        return data

    def query(self) -> AuditQuery:
        data = self.cleaned_data
        return AuditQuery(
            person=data.get("person") or "",
            user=data.get("user") or "",
            start=data.get("start"),
            end=data.get("end"),
            category=data.get("category") or "",
        )


class ReviewDecisionForm(forms.Form):
    """复核: approve or reject (with a reason), or withdraw one's own request."""

    action = forms.ChoiceField(
        choices=[
            ("approve", _("Approve the request")),
            ("reject", _("Reject the request")),
            ("withdraw", _("Withdraw")),
        ]
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class DateRangeForm(forms.Form):
    """A statement's date range, from today or earlier to any end not before its start (the
    account statement and the family-sharing statement)."""

    date_from = FormDateField(
        label=_("From"), required=False, widget=DateInput(), not_after_today=True
    )
    date_to = FormDateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        # A range that ends before it starts was printed as a document of that range, with
        # nothing in it and a closing balance of 0.00.
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error(
                "date_to",
                _("The end date (%(end)s) is before the start date (%(start)s).")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        return data
