"""The catalogue import as a background job (``catalogue_import``)."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from jobs.registry import register
from staff.errors import DomainError
from staff.roles import CLERK, MANAGER
from staff.uploads import stored_upload

from .imports import HEADERS_ZH

UPLOADS = "catalogue"


def clean_catalogue(parameters: dict) -> dict:
    path = stored_upload(parameters.get("path", ""), Path(settings.MEDIA_ROOT) / UPLOADS)
    if path is None:
        raise DomainError(
            gettext("file: upload the file through %(path)s.")
            % {"path": "/api/v1/imports/catalogue/"},
            field="file",
        )
    return {
        "path": str(path),
        "filename": str(parameters.get("filename") or path.name)[:200],
        "dry_run": parameters.get("dry_run") is True,
    }


def catalogue_error_report_url(job) -> str:
    return f"{reverse('catalogue:upload')}?report={job.pk}"


@register(
    "catalogue_import",
    label=_("Medical catalogue import"),
    roles=(CLERK, MANAGER),
    clean=clean_catalogue,
    error_report=catalogue_error_report_url,
    field_labels=HEADERS_ZH,
    # The file's rows, counted once in each pass: read and checked, then written.
    unit=pgettext_lazy("progress unit", "rows"),
    stages={"check": _("Reading and checking the rows"), "apply": _("Writing to the catalogue")},
)
def catalogue_import(job, progress):
    from .imports import catalogue_import_run

    return catalogue_import_run(job=job, progress=progress)
