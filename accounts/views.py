"""Account pages: statement (printable, CSV/XLSX), annual statements, payroll upload."""

from decimal import Decimal

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
from staff.roles import CLERK, MANAGER, POLICY_ADMIN

from .api import refuse_unopenable, store_upload
from .forms import PayrollUploadForm, ReceiptFilterForm, StatementFilterForm
from .payroll import COLUMNS as payroll_columns
from .selectors import (
    account_entries,
    account_for,
    annual_statements,
    opening_balance,
    payroll_credits,
)

READERS = (CLERK, MANAGER, POLICY_ADMIN)
COLUMNS = ["created_at", "kind", "amount", "balance_after", "period", "reference", "memo"]


@role_required(*READERS)
def statement_page(request, person_id: int):
    person = get_object_or_404(Person, pk=person_id)
    account = account_for(person=person)
    form = StatementFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = list(account_entries(account=account, **filters)) if account else []
    export = request.GET.get("export")
    if export in ("csv", "xlsx") and account:
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
            "date_from": filters.get("date_from"),
            "date_to": filters.get("date_to"),
            "statements": annual_statements(account=account) if account else [],
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
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
    start, end = filters.get("period_from"), filters.get("period_to")
    credits = (
        list(payroll_credits(account=account, period_from=start, period_to=end)) if account else []
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
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
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
        request, "accounts/annual_statement.html", {"person": person, "statement": statement}
    )


@role_required(CLERK, MANAGER)
def payroll_upload_page(request):
    form = PayrollUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload, "payroll")
        try:
            refuse_unopenable(path)
            job = job_create(
                kind="payroll_import",
                parameters={"path": str(path), "filename": upload.name},
                created_by=request.user,
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            return redirect("jobs:detail", job_id=job.pk)
    return render(
        request,
        "accounts/payroll_upload.html",
        {"form": form, "columns": payroll_columns},
        status=400 if form.is_bound and form.errors else 200,
    )
