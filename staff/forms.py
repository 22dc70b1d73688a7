"""Helpers for forms that call services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from .errors import DomainError


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
    return render(request, template, {"form": form, "title": title, **(context or {})})
