"""Helpers for forms that call services."""

from django.core.exceptions import ValidationError

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
