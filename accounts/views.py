"""Account pages: statement (printable, CSV/XLSX), annual statements, payroll upload."""

import uuid
from decimal import Decimal
from pathlib import Path

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from enrollment.models import Person
from jobs.services import job_create
from staff.codes import labelled_text, reference_label
from staff.decorators import role_required
from staff.errors import DomainError
from staff.exports import csv_response, time_header, xlsx_response
from staff.forms import apply_error
from staff.roles import CLERK, MANAGER

from .api import refuse_unopenable, store_upload
from .forms import PayrollUploadForm, ReceiptFilterForm, StatementFilterForm
from .payroll import COLUMNS as payroll_columns
from .payroll import HEADERS_ZH
from .payroll_check import file_sha256, payroll_check
from .selectors import (
    account_entries,
    account_for,
    annual_statements,
    opening_balance,
    payroll_credits,
)

# A person's account, statements and receipts: not policy administrators (nothing of a person
# is their work; enrollment.api.PERSON_READERS).
READERS = (CLERK, MANAGER)
COLUMNS = ["created_at", "kind", "amount", "balance_after", "period", "reference", "memo"]


@role_required(*READERS)
def statement_page(request, person_id: int):
    person = get_object_or_404(Person, pk=person_id)
    account = account_for(person=person)
    form = StatementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    # A refused range shows its errors and no document: the unfiltered statement under a
    # range the clerk did not ask for could be printed and handed out as that range.
    refused = form.is_bound and not form.is_valid()
    entries = list(account_entries(account=account, **filters)) if account and not refused else []
    export = request.GET.get("export")
    # A refused filter exports nothing (it exported the whole statement, unfiltered): the
    # page below says which field and why, with a 400.
    if export in ("csv", "xlsx") and account and form.is_valid():
        return _export(person, entries, export, filters)
    opening = (
        opening_balance(account=account, date_from=filters.get("date_from")) if account else None
    )
    # The printed statement states its range and closes it: the balance after its last entry.
    latest = max(entries, key=lambda e: (e.created_at, e.pk)) if entries else None
    return render(
        request,
        "accounts/statement.html",
        {
            "person": person,
            "account": account,
            "form": form,
            "entries": entries,
            "opening": opening,
            "closing": latest.balance_after if latest else opening,
            # The period's movements add up: opening + this total = closing.
            "movement": sum((e.amount for e in entries), Decimal("0.00")),
            "date_from": filters.get("date_from"),
            "date_to": filters.get("date_to"),
            "statements": annual_statements(account=account) if account else [],
            "refused": refused,
        },
        status=400 if refused else 200,
    )


@role_required(*READERS)
@require_safe
def premium_receipt_page(request, person_id: int):
    """缴费凭证: the payroll contributions credited to the person's account, period by period
    (contribution base and amount credited), with the total in words; a printable document."""
    person = get_object_or_404(Person.objects.select_related("region", "employer"), pk=person_id)
    account = account_for(person=person)
    form = ReceiptFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    refused = form.is_bound and not form.is_valid()  # errors and no document (as the statement)
    start, end = filters.get("period_from"), filters.get("period_to")
    credits = (
        list(payroll_credits(account=account, period_from=start, period_to=end))
        if account and not refused
        else []
    )
    today = timezone.localdate()
    return render(
        request,
        "accounts/premium_receipt.html",
        {
            "person": person,
            "account": account,
            "form": form,
            "credits": credits,
            "total": sum((c.amount for c in credits), Decimal("0.00")),
            "period_from": f"{start:%Y-%m}" if start else "",
            "period_to": f"{end:%Y-%m}" if end else "",
            # The same person and periods give the same number on a reprint.
            "number": f"JF-{person.region.code}-{person.pk:08d}-"
            f"{f'{start:%Y%m}' if start else '0'}-{end or today:%Y%m}",
            "refused": refused,
        },
        status=400 if refused else 200,
    )


def _rows(entries):
    for e in entries:
        yield [
            e.created_at,
            str(e.get_kind_display()),
            e.amount,
            e.balance_after,
            e.period,
            reference_label(e.reference),  # ``payroll:job:6:row:2`` as words, as on the page
            labelled_text(e.memo),
        ]


def _export(person, entries, kind, filters=None):
    """The statement as CSV or XLSX (``staff.exports``: text stays text, money is a number
    with two places, times on the bureau's clock)."""
    filename = f"account-{person.pk}"
    header = [
        time_header(_("Booked at")),
        _("Kind"),
        _("Amount"),
        _("Balance after"),
        _("Period"),
        _("Reference"),
        _("Memo"),
    ]
    header = [str(h) for h in header]
    if kind == "csv":
        return csv_response(f"{filename}.csv", [header, *_rows(entries)])
    filters = filters or {}
    start, end = filters.get("date_from"), filters.get("date_to")
    rows = [
        [str(_("Account statement")), person.name, person.masked_id_number],
        [
            str(_("Period shown")),
            f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}",
        ],
        [str(_("Amounts in")), str(_("yuan"))],
        header,
        *_rows(entries),
    ]
    return xlsx_response(f"{filename}.xlsx", [(str(_("Account statement")), rows)])


@role_required(*READERS)
def annual_statement_page(request, person_id: int, year: int):
    person = get_object_or_404(Person, pk=person_id)
    account = account_for(person=person)
    statement = (
        get_object_or_404(annual_statements(account=account), year=year) if account else None
    )
    if statement is None:
        return redirect("accounts:statement", person_id=person_id)
    return render(
        request,
        "accounts/annual_statement.html",
        {
            "person": person,
            "statement": statement,
            # The same account and year give the same number on a reprint.
            "number": f"ND-{person.region.code}-{account.pk:08d}-{statement.year}",
            "range_from": f"{statement.year}-01-01",
            "range_to": f"{statement.year}-12-31",
        },
    )


PENDING = "payroll_checks"
KEEP_CHECKS = 5  # a session keeps its last few checked files; older ones are deleted


def _pending(request) -> dict:
    return request.session.get(PENDING, {})


def _remember(request, token: str, entry: dict) -> None:
    pending = _pending(request)
    pending[token] = entry
    while len(pending) > KEEP_CHECKS:
        oldest = next(iter(pending))
        Path(pending.pop(oldest)["path"]).unlink(missing_ok=True)
    request.session[PENDING] = pending


def _forget(request, token: str, *, delete: bool) -> None:
    pending = _pending(request)
    entry = pending.pop(token, None)
    request.session[PENDING] = pending
    if entry and delete:
        Path(entry["path"]).unlink(missing_ok=True)


@role_required(CLERK, MANAGER)
def payroll_upload_page(request):
    """Upload → a check page (totals per employer and category, every row with errors) →
    确认入账 starts the crediting job for exactly the file checked (its SHA-256)."""
    if request.method == "GET" and request.GET.get("template"):
        from .payroll_files import payroll_template_response

        return payroll_template_response()
    if request.method == "GET" and request.GET.get("report"):
        return _error_report(request, request.GET["report"])
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = PayrollUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": payroll_columns}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload, "payroll")
        try:
            refuse_unopenable(path)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            check = payroll_check(path=path, filename=upload.name)
            token = uuid.uuid4().hex
            _remember(
                request, token, {"path": str(path), "filename": upload.name, "sha256": check.sha256}
            )
            return render(
                request,
                "accounts/payroll_check.html",
                {
                    "check": check,
                    "totals": check.totals(),
                    "token": token,
                    "filename": upload.name,
                    # Each error's column under the template's Chinese header (姓名, not 名称).
                    "errors": [
                        {**e, "column": HEADERS_ZH.get(e.get("field") or "", "")}
                        for e in check.errors[:MAX_ERRORS_SHOWN]
                    ],
                    "more_errors": max(0, len(check.errors) - MAX_ERRORS_SHOWN),
                },
            )
    return render(
        request,
        "accounts/payroll_upload.html",
        context,
        status=400 if form.is_bound and form.errors else 200,
    )


MAX_ERRORS_SHOWN = 200


def _confirm(request):
    token = request.POST.get("token", "")
    entry = _pending(request).get(token)
    if entry is None:
        messages.error(request, _("That check has expired; upload the file again."))
        return redirect("accounts:payroll_upload")
    path = Path(entry["path"])
    posted = request.POST.get("sha256", "")
    if not path.is_file() or posted != entry["sha256"] or file_sha256(path) != entry["sha256"]:
        _forget(request, token, delete=True)
        refusal = _(
            "The file is not the one that was checked (it changed after the check);"
            " nothing was credited. Upload it again and check it."
        )
        return render(
            request,
            "accounts/payroll_upload.html",
            {"form": PayrollUploadForm(), "columns": payroll_columns, "refusal": refusal},
            status=409,
        )
    try:
        job = job_create(
            kind="payroll_import",
            parameters={
                "path": str(path),
                "filename": entry["filename"],
                "sha256": entry["sha256"],
            },
            created_by=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:payroll_upload")
    _forget(request, token, delete=False)  # the job owns the file now
    return redirect("jobs:detail", job_id=job.pk)


def _error_report(request, token: str):
    from django.http import Http404

    from .payroll_files import payroll_error_report_response

    entry = _pending(request).get(token)
    if entry is None or not Path(entry["path"]).is_file():
        raise Http404(_("That check has expired; upload the file again."))
    path = Path(entry["path"])
    check = payroll_check(path=path, filename=entry["filename"])
    return payroll_error_report_response(path=path, filename=entry["filename"], check=check)
