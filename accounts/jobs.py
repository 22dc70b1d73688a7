"""Job kinds of the accounts app: monthly retiree crediting, payroll import, year-end close."""

from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jobs.registry import register
from policies.models import PolicyVersion
from staff.errors import DomainError
from staff.inputs import plain_int
from staff.roles import CLERK, MANAGER
from staff.uploads import stored_upload

from .crediting import crediting_backlog, parse_period, retiree_crediting_run
from .payroll import HEADERS_ZH as PAYROLL_HEADERS_ZH


def clean_period(parameters: dict) -> dict:
    """A period up to the current month, on or after the first day any region has a policy."""
    period = str(parameters.get("period", "")).strip()
    first = parse_period(period, today=timezone.localdate())
    if not PolicyVersion.objects.filter(effective_from__lte=first).exists():
        earliest = PolicyVersion.objects.order_by("effective_from").first()
        raise DomainError(
            gettext_now(
                "period: no region has a policy in force in %(period)s (the earliest starts on"
                " %(earliest)s)."
            )
            % {"period": period, "earliest": earliest.effective_from if earliest else "—"},
            field="period",
        )
    return {"period": period}


@register(
    "monthly_crediting",
    label=_("Monthly retiree crediting"),
    roles=(MANAGER,),
    clean=clean_period,
    backlog=crediting_backlog,
    unit=pgettext_lazy("progress unit", "persons"),  # the retirees eligible in the period
)
def monthly_crediting(job, progress):
    return retiree_crediting_run(
        period=job.parameters["period"], progress=progress, chunk_size=settings.ACCOUNTS_CHUNK
    ).as_result()


def clean_year(parameters: dict) -> dict:
    try:
        year = plain_int(parameters.get("year"))  # ASCII digits: int() also reads ２０２５
    except ValueError:
        raise DomainError(
            gettext_now("year: write a year with the digits 0-9, such as 2025."), field="year"
        ) from None
    if not 2000 <= year < timezone.localdate().year:
        raise DomainError(
            gettext_now("year: only a past year can be closed (2000 up to last year)."),
            field="year",
        )
    return {"year": year}


@register(
    "year_end",
    label=_("Year-end close"),
    roles=(MANAGER,),
    clean=clean_year,
    unit=pgettext_lazy("progress unit", "accounts"),
)
def year_end(job, progress):
    from .year_end import year_end_close

    return year_end_close(
        year=job.parameters["year"], progress=progress, chunk_size=settings.ACCOUNTS_CHUNK
    )


def clean_payroll(parameters: dict) -> dict:
    """Only files stored by the upload endpoint (never an arbitrary server path)."""
    path = stored_upload(parameters.get("path", ""), Path(settings.MEDIA_ROOT) / "payroll")
    if path is None:
        raise DomainError(
            gettext_now("file: upload the file through %(path)s.")
            % {"path": "/api/v1/imports/payroll/"},
            field="file",
        )
    cleaned = {"path": str(path), "filename": str(parameters.get("filename") or path.name)[:200]}
    # A file checked on the upload page: the job credits only that very file (its SHA-256).
    digest = str(parameters.get("sha256") or "")
    if digest:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise DomainError(
                gettext_now("sha256: must be 64 lower-case hexadecimal digits."), field="sha256"
            )
        cleaned["sha256"] = digest
    return cleaned


def cleanup_payroll(job, *, finished: bool) -> None:
    from .payroll import payroll_cleanup

    payroll_cleanup(job, finished=finished)


@register(
    "payroll_import",
    label=_("Payroll import"),
    roles=(CLERK, MANAGER),
    clean=clean_payroll,
    cleanup=cleanup_payroll,
    field_labels=PAYROLL_HEADERS_ZH,
    # The file's rows, counted once in each pass: read and checked, then credited.
    unit=pgettext_lazy("progress unit", "rows"),
    stages={"check": _("Reading and checking the rows"), "credit": _("Crediting")},
)
def payroll_import(job, progress):
    from .payroll import payroll_import_run

    return payroll_import_run(job=job, progress=progress)
