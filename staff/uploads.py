"""Uploaded files: a size limit on every upload, and spreadsheets opened only within limits.

An XLSX is a zip of XML files. A 1 MB workbook whose shared string expands to 1 GB took 3 GB in
the worker (and 2.3 GB inside a web request on the person import), because openpyxl reads the
shared strings whole. So before any spreadsheet library opens a workbook:

- the zip's directory must declare at most ``SPREADSHEET_MAX_UNCOMPRESSED`` bytes in all (the
  declared sizes bound what Python's ``zipfile`` will ever decompress: it stops at a member's
  declared size and fails its CRC check), and
- every XML part is streamed through an expat parser (``defusedxml``: no entities, no DTDs) in
  64 KB pieces, and no text node, i.e. no cell, may be longer than ``SPREADSHEET_MAX_CELL``
  characters (32,767 is Excel's own limit for a cell).

Memory stays at a few parser buffers whatever the file claims to hold.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.sax.handler import ContentHandler

from defusedxml.sax import make_parser
from django import forms
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import serializers

from .inputs import BadInput

MB = 1024 * 1024
_PIECE = 64 * 1024
# A multipart body carries the file plus boundaries and small fields.
_MULTIPART_MARGIN = 64 * 1024


def max_upload_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 20 * MB))


def _size(n: int) -> str:
    return f"{n / MB:g} MB" if n >= MB else f"{n:,} B"


def upload_too_large_message(size: int | None = None) -> str:
    limit = _size(max_upload_bytes())
    if size is None:
        return _("file: the upload is larger than the limit of %(limit)s.") % {"limit": limit}
    return _("file: the file has %(size)s, more than the limit of %(limit)s.") % {
        "size": _size(size),
        "limit": limit,
    }


def check_upload_size(upload) -> None:
    if upload is not None and upload.size > max_upload_bytes():
        raise BadInput(upload_too_large_message(upload.size), field="file")


class FormUploadField(forms.FileField):
    """A file field that refuses a file above ``UPLOAD_MAX_BYTES``, naming the limit."""

    def to_python(self, data):
        upload = super().to_python(data)
        try:
            check_upload_size(upload)
        except BadInput as exc:
            raise forms.ValidationError(exc.message, code="too_large") from None
        return upload


class ApiUploadField(serializers.FileField):
    def to_internal_value(self, data):
        upload = super().to_internal_value(data)
        try:
            check_upload_size(upload)
        except BadInput as exc:
            raise serializers.ValidationError(exc.message, code="too_large") from None
        return upload


class UploadLimitMiddleware:
    """Refuses (413) a request body larger than the upload limit before anything reads it: the
    fields above would see the file only after Django had written it all to disk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_upload_bytes() + _MULTIPART_MARGIN:
            message = upload_too_large_message()
            if request.path.startswith("/api/"):
                return JsonResponse({"file": [message]}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


# --- Spreadsheets ---------------------------------------------------------------------------


class SpreadsheetRefused(ValueError):
    """The workbook is beyond the limits (or unreadable: ``unreadable``); ``message`` says
    which, for a clerk."""

    def __init__(self, message: str, *, unreadable: bool = False):
        super().__init__(message)
        self.message = message
        self.unreadable = unreadable


def max_uncompressed() -> int:
    return int(getattr(settings, "SPREADSHEET_MAX_UNCOMPRESSED", 200 * MB))


def max_cell() -> int:
    return int(getattr(settings, "SPREADSHEET_MAX_CELL", 32_767))


def max_columns() -> int:
    return int(getattr(settings, "SPREADSHEET_MAX_COLUMNS", 200))


_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?[0-9]+")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters.upper():
        number = number * 26 + ord(ch) - 64
    return number


class _CellLength(ContentHandler):
    """No text node longer than ``limit``; and in a worksheet, no cell (``<c r="XFD9">``) and
    no declared extent (``<dimension ref="A1:XFD1048576">``) beyond ``columns`` columns:
    openpyxl's read-only rows are padded to the declared width and the missing rows filled in,
    so a 5 KB workbook declaring XFD1048576 kept the payroll reader busy for minutes."""

    def __init__(self, limit: int, columns: int | None = None):
        super().__init__()
        self.limit = limit
        self.length = 0
        self.columns = columns

    def startElement(self, name, attrs):  # noqa: N802 - the SAX interface
        self.length = 0
        if self.columns is None:
            return
        local = name.rsplit(":", 1)[-1]
        if local in ("c", "dimension"):
            for ref in _REF.findall(attrs.get("r" if local == "c" else "ref", "") or ""):
                if _column_number(ref) > self.columns:
                    raise SpreadsheetRefused(
                        _(
                            "file: the worksheet reaches column %(column)s; at most %(n)d columns"
                            " are read. Delete the unused columns (or save the sheet as CSV)"
                            " and upload it again."
                        )
                        % {"column": ref.upper(), "n": self.columns}
                    )

    def endElement(self, name):  # noqa: N802
        self.length = 0

    def characters(self, content):
        self.length += len(content)
        if self.length > self.limit:
            raise SpreadsheetRefused(
                _("file: a cell of the workbook holds more than %(n)s characters.")
                % {"n": f"{self.limit:,}"}
            )


def check_spreadsheet_directory(path: Path) -> None:
    """The zip directory's declared sizes only: cheap enough for the upload request."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise SpreadsheetRefused(
            _("The file is not a readable XLSX workbook."), unreadable=True
        ) from None
    total = sum(m.file_size for m in members)
    if total > max_uncompressed():
        raise SpreadsheetRefused(
            _(
                "file: the workbook unpacks to %(size)s, more than the limit of %(limit)s;"
                " split it or save it as CSV."
            )
            % {"size": _size(total), "limit": _size(max_uncompressed())}
        )


def check_spreadsheet(path: Path) -> None:
    """Refuse (``SpreadsheetRefused``) a workbook beyond the limits, before it is opened."""
    check_spreadsheet_directory(path)
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if not member.filename.lower().endswith((".xml", ".rels")):
                    continue
                parser = make_parser()
                sheet = member.filename.lower().startswith("xl/worksheets/")
                parser.setContentHandler(_CellLength(max_cell(), max_columns() if sheet else None))
                with archive.open(member) as stream:
                    while piece := stream.read(_PIECE):
                        parser.feed(piece)
                parser.close()
    except SpreadsheetRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile part is the sender's file
        raise SpreadsheetRefused(
            _("The file is not a readable XLSX workbook."), unreadable=True
        ) from exc


def stored_upload(value: object, folder: Path) -> Path | None:
    """The file a job parameter names, if it is a file stored under ``folder`` by an upload
    endpoint (never an arbitrary server path); None otherwise. A name the file system refuses
    (longer than NAME_MAX, a NUL) is no such file: ``Path.is_file`` raised ``OSError`` for a
    5,000-character name (a 500 from ``POST /api/v1/jobs/``)."""
    try:
        path = Path(str(value)).resolve()
        if folder.resolve() in path.parents and path.is_file():
            return path
    except (OSError, ValueError):
        pass
    return None
