"""The API's exception handler: every refusal is a 4xx JSON body a clerk can read."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.defaults import page_not_found
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .db_faults import connection_broke
from .errors import DomainError

logger = logging.getLogger(__name__)


def exception_handler(exc, context):
    if isinstance(exc, OperationalError | InterfaceError):
        return _database_error(exc, context)
    if is_bad_value(exc):
        return Response({"detail": bad_value_message()}, status=400)
    if isinstance(exc, DomainError):
        return Response(exc.as_data(), status=exc.status_code)
    if isinstance(exc, Http404):
        # get_object_or_404's message is English and names a model ("No Person matches the
        # given query."): DRF's own not-found message is translated.
        exc = exceptions.NotFound()
    if isinstance(exc, exceptions.ValidationError) and _no_data(exc.detail):
        # DRF writes this one in English only (a body of JSON null, or none at all).
        exc = exceptions.ValidationError(
            {"detail": [_("No data provided: send the fields as a JSON object.")]}
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
        else:
            data = {"detail": " ".join(str(m) for m in exc.messages)}
        exc = exceptions.ValidationError(data)
    return drf_exception_handler(exc, context)


def _no_data(detail) -> bool:
    if not isinstance(detail, dict) or len(detail) != 1:
        return False
    (errors,) = detail.values()
    return isinstance(errors, list) and [getattr(e, "code", None) for e in errors] == ["null"]


def api_not_found(request, exception):
    """``handler404``: a URL under ``/api/`` that matches no route (an id that is no number,
    ``/api/v1/claims/abc/``) answers JSON as every other refusal of the API does, not the
    pages' HTML."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return page_not_found(request, exception)


def unreadable_request_message() -> str:
    return _(
        "The request could not be read: it is larger than the system accepts, has too many"
        " fields, or is malformed. Nothing was changed."
    )


def api_bad_request(request, exception):
    """``handler400``: a request Django refuses before any view reads it (a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, more than ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` fields) was
    Django's English page ``Bad Request (400)``, and an empty body on the API. The API answers
    JSON, the pages a page in the reader's language; nothing was written either way."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": unreadable_request_message()}, status=400)
    return render(request, "400.html", {"reason": unreadable_request_message()}, status=400)


def is_bad_value(exc: BaseException) -> bool:
    """A value the database cannot take: PostgreSQL's refusal (``DataError``), or SQLite's
    driver refusing an integer beyond 64 bits (an id of 30 digits in a path: ``OverflowError``
    from sqlite3, before any statement ran)."""
    if isinstance(exc, DataError):
        return True
    return isinstance(exc, OverflowError) and "SQLite INTEGER" in str(exc)


def bad_value_message() -> str:
    """PostgreSQL refused a value the fields let through (a NUL character in a code, a number
    beyond its column): the request is bad input, and nothing was written."""
    return _(
        "A value sent cannot be used: it contains a NUL character or is outside the range the"
        " system stores. Correct it and send again."
    )


def _database_error(exc, context):
    """Every database error is logged with its traceback. Only a connection that really broke
    is the client's to retry (503): PostgreSQL rolled back what had not been committed, and
    every write of the API is idempotent on its key (a claim on its number). Any other error
    (a statement timeout, a lock not granted, a full disk) is a server error (500)."""
    request = context.get("request") if context else None
    path = getattr(request, "path", "?")
    if connection_broke(exc):
        logger.error("database connection lost during %s", path, exc_info=exc)
        message = _(
            "The connection to the database was interrupted. Send the same request again:"
            " a claim sent twice with the same number is settled once."
        )
        return Response({"detail": message}, status=503, headers={"Retry-After": "1"})
    logger.error("database error during %s", path, exc_info=exc)
    message = _(
        "The database could not complete the request; nothing was changed. The error has been"
        " logged for the administrators."
    )
    return Response({"detail": message}, status=500)
