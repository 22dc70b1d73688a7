"""Errors that services raise for a clerk or an API client to read.

Services raise ``DomainError`` (or a subclass) with a message that says what is wrong and, where
it applies, which field and which policy article; the API turns it into a 4xx JSON body and the
pages show it next to the form. Nothing is written when one is raised inside a transaction.
"""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def as_data(self) -> dict:
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class NotFound(DomainError):
    status_code = 404

    def as_data(self) -> dict:
        return {"detail": self.message}


class Conflict(DomainError):
    status_code = 409


class Forbidden(DomainError):
    """The user may not do this to this object (e.g. review their own request)."""

    status_code = 403

    def as_data(self) -> dict:
        return {"detail": self.message}
