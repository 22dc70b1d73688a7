"""Account pages: statement (printable, CSV/XLSX), annual statements, payroll upload."""

import csv
import io

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from enrollment.models import Person
from jobs.services import job_create
from staff.decorators import role_required
from staff.errors import DomainError
from staff.forms import apply_error
from staff.roles import CLERK, MANAGER, POLICY_ADMIN

from .api import store_upload
from .forms import PayrollUploadForm, StatementFilterForm
from .payroll import COLUMNS as payroll_columns
from .selectors import account_entries, account_for, annual_statements, opening_balance

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
        return _export(person, entries, export)
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
    )


def _rows(entries):
    for e in entries:
        yield [
            e.created_at.strftime("%Y-%m-%d %H:%M"),
            e.get_kind_display(),
            f"{e.amount:.2f}",
            f"{e.balance_after:.2f}",
            e.period,
            e.reference,
            e.memo,
        ]


def _export(person, entries, kind):
    filename = f"account-{person.pk}"
    header = [
        _("Booked at"),
        _("Kind"),
        _("Amount"),
        _("Balance after"),
        _("Period"),
        _("Reference"),
        _("Memo"),
    ]
    if kind == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with a BOM
        writer = csv.writer(response)
        writer.writerow(header)
        writer.writerows(_rows(entries))
        return response
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "statement"
    sheet.append([person.name, person.masked_id_number])
    sheet.append(header)
    for row in _rows(entries):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


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
        request, "accounts/payroll_upload.html", {"form": form, "columns": payroll_columns}
    )
