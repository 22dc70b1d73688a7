"""Clerk pages for enrollment: find, register and change persons; stays; employers;
institutions; bulk imports with a dry run."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from staff.decorators import role_required
from staff.errors import DomainError
from staff.forms import apply_error, form_page
from staff.paginator import Paginator
from staff.roles import CLERK, MANAGER, POLICY_ADMIN, user_has_role

from .forms import (
    DischargeForm,
    EmployerFilterForm,
    EmployerForm,
    FilingEndForm,
    FilingForm,
    ImportForm,
    InpatientStayForm,
    InstitutionFilterForm,
    InstitutionForm,
    PersonEditForm,
    PersonFilterForm,
    PersonForm,
    RetireForm,
)
from .imports import import_apply, import_preview
from .models import InpatientStay, OutOfRegionFiling, Person
from .panels import panels_for
from .places import place_of
from .resources import COLUMNS
from .selectors import (
    employer_search,
    inpatient_stays,
    institution_search,
    person_history,
    person_list,
    person_search,
)
from .services import (
    employer_create,
    filing_end,
    filing_record,
    inpatient_stay_discharge,
    inpatient_stay_record,
    institution_create,
    person_create,
    person_retire,
    person_update,
)

READERS = (CLERK, MANAGER, POLICY_ADMIN)
# Persons: not policy administrators, whose work is policies (see api.PERSON_READERS).
PERSON_READERS = (CLERK, MANAGER)


SHOWN = 100  # a search shows this many rows and says how many there are in all


@role_required(*PERSON_READERS)
def person_search_page(request):
    form = PersonFilterForm(request.GET or None)
    filters = form.filters()
    query = filters.pop("q", "")
    asked = bool(query or filters)
    found = person_search(query=query, **filters) if asked else None
    return render(
        request,
        "enrollment/person_search.html",
        {
            "form": form,
            "query": query,
            "asked": asked,
            "results": found[:SHOWN] if asked else [],
            "count": found.count() if asked else 0,
            "shown": SHOWN,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@role_required(*PERSON_READERS)
def person_detail_page(request, person_id: int):
    person = get_object_or_404(person_list(), pk=person_id)
    # The whole ID number and the birth date (the digits a mask hides) for clerks only, who
    # register and correct them; every other role reads the masked number, as in the lists.
    full_numbers = user_has_role(request.user, CLERK)
    return render(
        request,
        "enrollment/person_detail.html",
        {
            "person": person,
            "full_numbers": full_numbers,
            "stays": inpatient_stays(person=person),
            "history": person_history(person=person),
            "discharge_form": DischargeForm(),
            "filings": person.filings.select_related("region"),
            "sections": panels_for(request=request, person=person),
        },
    )


@role_required(*READERS)
@require_safe
def place_page(request, code: str):
    """The place a six-digit place code names (the ID number hint's issuing place). Only the
    code travels, never the ID number; an unknown code is a 200 that says so."""
    place = place_of(code)
    if place is None:
        return JsonResponse({"code": code, "name": "", "known": False})
    return JsonResponse({"code": place.code, "name": place.name, "known": place.known})


def _person_url(person_id: int) -> str:
    return reverse("enrollment:person_detail", args=[person_id])


@role_required(CLERK)
def person_create_page(request):
    return form_page(
        request,
        PersonForm(request.POST or None),
        action=lambda data: person_create(**data, actor=request.user),
        success=lambda person: _("%(name)s is registered.") % {"name": person.name},
        redirect_to=lambda person: _person_url(person.pk),
        title=_("Register a person"),
    )


@role_required(CLERK)
def person_edit_page(request, person_id: int):
    person = get_object_or_404(Person, pk=person_id)
    initial = {f: getattr(person, f) for f in PersonEditForm.base_fields if f != "id_number"}
    initial["region"] = person.region.code
    return form_page(
        request,
        PersonEditForm(request.POST or None, initial=initial),
        action=lambda data: person_update(person=person, data=data, actor=request.user),
        success=_("Changes saved."),
        redirect_to=_person_url(person.pk),
        title=_("Change %(name)s") % {"name": person.name},
        context={"person": person},
    )


@role_required(CLERK)
def person_retire_page(request, person_id: int):
    person = get_object_or_404(Person, pk=person_id)
    return form_page(
        request,
        RetireForm(request.POST or None),
        action=lambda data: person_retire(person=person, actor=request.user, **data),
        success=_("Retirement recorded."),
        redirect_to=_person_url(person.pk),
        title=_("Record the retirement of %(name)s") % {"name": person.name},
        context={"person": person},
    )


@role_required(CLERK)
def stay_create_page(request, person_id: int):
    person = get_object_or_404(Person, pk=person_id)
    return form_page(
        request,
        InpatientStayForm(request.POST or None),
        action=lambda data: inpatient_stay_record(person=person, actor=request.user, **data),
        success=_("Inpatient stay recorded."),
        redirect_to=_person_url(person.pk),
        title=_("Record an inpatient stay of %(name)s") % {"name": person.name},
        context={"person": person},
    )


@role_required(CLERK)
def stay_discharge_page(request, person_id: int, stay_id: int):
    stay = get_object_or_404(InpatientStay, pk=stay_id, person_id=person_id)
    form = DischargeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            inpatient_stay_discharge(stay=stay, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Discharge recorded."))
    elif request.method == "POST":
        messages.error(request, _("Enter the discharge date."))
    return redirect("enrollment:person_detail", person_id=person_id)


def _filtered_list(request, form, search, template):
    page = Paginator(search(**_search_args(form.filters())), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "page": page,
            "form": form,
            "count": page.paginator.count,
            "pager_query": query.urlencode(),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _search_args(filters: dict) -> dict:
    filters = dict(filters)
    filters["query"] = filters.pop("q", "")
    return filters


@role_required(CLERK)
def filing_create_page(request, person_id: int):
    """Record an out-of-region filing (异地就医备案) of a person."""
    person = get_object_or_404(Person, pk=person_id)
    return form_page(
        request,
        FilingForm(request.POST or None),
        action=lambda data: filing_record(person=person, actor=request.user, **data),
        success=_("Out-of-region filing recorded."),
        redirect_to=_person_url(person.pk) + "#filings",
        title=_("Record an out-of-region filing of %(name)s") % {"name": person.name},
        context={"person": person},
    )


@role_required(CLERK)
def filing_end_page(request, person_id: int, filing_id: int):
    """End or revoke a filing: its last day and the reason (the row and its history stay)."""
    filing = get_object_or_404(
        OutOfRegionFiling.objects.select_related("region", "person"),
        pk=filing_id,
        person_id=person_id,
    )
    return form_page(
        request,
        FilingEndForm(request.POST or None),
        action=lambda data: filing_end(filing=filing, actor=request.user, **data),
        success=_("The filing ends on the day given."),
        redirect_to=_person_url(person_id) + "#filings",
        title=_("End the filing of %(name)s: %(kind)s, %(place)s, from %(start)s")
        % {
            "name": filing.person.name,
            "kind": filing.get_kind_display(),
            "place": filing.region.name,
            "start": filing.valid_from.isoformat(),
        },
        context={"person": filing.person},
    )


@role_required(*READERS)
def employer_list_page(request):
    return _filtered_list(
        request,
        EmployerFilterForm(request.GET or None),
        employer_search,
        "enrollment/employer_list.html",
    )


@role_required(CLERK)
def employer_create_page(request):
    return form_page(
        request,
        EmployerForm(request.POST or None),
        action=lambda data: employer_create(**data, actor=request.user),
        success=_("Employer registered."),
        redirect_to=reverse("enrollment:employer_list"),
        title=_("Register an employer"),
    )


@role_required(*READERS)
def institution_list_page(request):
    return _filtered_list(
        request,
        InstitutionFilterForm(request.GET or None),
        institution_search,
        "enrollment/institution_list.html",
    )


LOOKUP_LIMIT = 20


def _lookup(request, form_class, search, extra=lambda obj: {}):
    """JSON for the searchable selects: ``{"results": [{"id", "code", "name", "label"}],
    "count": n}`` (the first ``LOOKUP_LIMIT`` matches, by code)."""
    form = form_class(request.GET)
    if not form.is_valid():
        return JsonResponse(
            {"errors": {f: [str(e) for e in errs] for f, errs in form.errors.items()}},
            status=400,
        )
    found = search(**_search_args(form.filters()))
    rows = [
        {"id": obj.pk, "code": obj.code, "name": obj.name, "label": str(obj), **extra(obj)}
        for obj in found.order_by("code")[:LOOKUP_LIMIT]
    ]
    return JsonResponse({"results": rows, "count": found.count(), "shown": len(rows)})


@require_GET
@role_required(*READERS)
def employer_lookup(request):
    return _lookup(
        request, EmployerFilterForm, employer_search, lambda e: {"region": e.region.code}
    )


@require_GET
@role_required(*READERS)
def institution_lookup(request):
    return _lookup(
        request, InstitutionFilterForm, institution_search, lambda i: {"region": i.region.code}
    )


@role_required(CLERK)
def institution_create_page(request):
    return form_page(
        request,
        InstitutionForm(request.POST or None),
        action=lambda data: institution_create(**data, actor=request.user),
        success=_("Institution registered."),
        redirect_to=reverse("enrollment:institution_list"),
        title=_("Register an institution"),
    )


def _upload_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@role_required(CLERK)
def import_page(request):
    """Upload → dry run with every row's errors → confirm applies the whole file or nothing."""
    if request.method == "GET" and request.GET.get("template") in ("persons", "institutions"):
        from .import_files import import_template_response

        return import_template_response(request.GET["template"])
    if request.method == "GET" and request.GET.get("report"):
        return _import_error_report(request, request.GET["report"])
    pending = request.session.get("enrollment_imports", {})
    report = None
    report_token = None
    token = request.POST.get("token")
    if request.method == "POST" and token:
        entry = pending.get(token)
        if entry is None:
            messages.error(request, _("That upload has expired; upload the file again."))
            return redirect("enrollment:import")
        report = import_apply(
            kind=entry["kind"],
            path=Path(entry["path"]),
            filename=entry["filename"],
            user=request.user,
        )
        if report.applied:
            Path(entry["path"]).unlink(missing_ok=True)
            pending.pop(token)
            request.session["enrollment_imports"] = pending
            totals = report.totals()
            messages.success(
                request,
                _("Imported: %(new)d new, %(update)d changed, %(skip)d unchanged.")
                % {
                    "new": totals.get("new", 0),
                    "update": totals.get("update", 0),
                    "skip": totals.get("skip", 0),
                },
            )
            return redirect("enrollment:import")
        form = ImportForm(initial={"kind": entry["kind"]})
        return render(
            request,
            "enrollment/import.html",
            {"form": form, "report": report, "token": None, "columns": COLUMNS},
        )
    form = ImportForm(request.POST or None, request.FILES or None)
    token = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        token = uuid.uuid4().hex
        path = _upload_dir() / f"{token}{Path(upload.name).suffix.lower()}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        kind = form.cleaned_data["kind"]
        try:
            report = import_preview(kind=kind, path=path, filename=upload.name, user=request.user)
        except DomainError as exc:
            path.unlink(missing_ok=True)
            apply_error(form, exc)
            token = None
        else:
            if report.ok:
                pending[token] = {"kind": kind, "path": str(path), "filename": upload.name}
                request.session["enrollment_imports"] = pending
            else:
                # Kept (a few per session) for the downloadable error report, not for applying.
                _keep_for_report(request, token, kind=kind, path=path, filename=upload.name)
                report_token, token = token, None
    return render(
        request,
        "enrollment/import.html",
        {
            "form": form,
            "report": report,
            "token": token,
            "report_token": report_token,
            "columns": COLUMNS,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


REPORTS = "enrollment_import_reports"


def _keep_for_report(request, token: str, *, kind: str, path: Path, filename: str) -> None:
    kept = request.session.get(REPORTS, {})
    kept[token] = {"kind": kind, "path": str(path), "filename": filename}
    while len(kept) > 5:
        Path(kept.pop(next(iter(kept)))["path"]).unlink(missing_ok=True)
    request.session[REPORTS] = kept


def _import_error_report(request, token: str):
    """The checked file's rows with errors as XLSX, the error in Chinese beside each row."""
    from django.http import Http404

    from .import_files import import_error_report_response

    entry = request.session.get(REPORTS, {}).get(token)
    if entry is None or not Path(entry["path"]).is_file():
        raise Http404(_("That upload has expired; upload the file again."))
    try:
        report = import_preview(
            kind=entry["kind"], path=Path(entry["path"]), filename=entry["filename"]
        )
    except DomainError as exc:
        raise Http404(exc.message) from None
    return import_error_report_response(report, entry["filename"])
