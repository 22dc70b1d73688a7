"""The clerks' catalogue pages: browse and search, upload a file."""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.api import refuse_unopenable, store_upload
from jobs.models import Job
from jobs.selectors import job_list
from jobs.services import job_create
from staff.decorators import role_required
from staff.errors import DomainError
from staff.forms import apply_error
from staff.paginator import Paginator
from staff.roles import CLERK, MANAGER, POLICY_ADMIN

from .forms import CatalogueSearchForm, CatalogueUploadForm
from .imports import COLUMNS, HEADERS_ZH
from .jobs import UPLOADS
from .selectors import catalogue_search


@role_required(CLERK, MANAGER, POLICY_ADMIN)
def catalogue_list_page(request):
    form = CatalogueSearchForm(request.GET or None)
    refused = form.is_bound and not form.is_valid()
    data = {} if refused else (form.cleaned_data if form.is_bound else {})
    qs = catalogue_search(
        q=data.get("q", ""), kind=data.get("kind", ""), level=data.get("chrgitm_lv", "")
    )
    # A refused filter lists nothing (the whole catalogue was listed as if filtered): the form
    # says which field and why, with a 400.
    page = Paginator(qs.none() if refused else qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/list.html",
        {"form": form, "page": page, "pager_query": query.urlencode()},
        status=400 if refused else 200,
    )


RECENT_IMPORTS = 5


def _failed_import(request, job_id: str) -> Job:
    job = None
    if job_id.isascii() and job_id.isdigit() and len(job_id) < 12:
        job = (
            job_list(user=request.user)
            .filter(pk=int(job_id), kind="catalogue_import", status=Job.Status.FAILED)
            .first()
        )
    if job is None:
        raise Http404(_("No failed catalogue import has this number."))
    return job


@role_required(CLERK, MANAGER)
def catalogue_upload_page(request):
    """Upload (a job checks the whole file, then applies it or lists every error); the page
    also hands out the template (``?template=xlsx``) and a failed import's error report
    (``?report=<job>``), and lists the last imports."""
    if request.method == "GET" and request.GET.get("template"):
        from .import_files import catalogue_template_response

        return catalogue_template_response()
    if request.method == "GET" and request.GET.get("report"):
        from .import_files import catalogue_error_report_response

        return catalogue_error_report_response(_failed_import(request, request.GET["report"]))
    form = CatalogueUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload, UPLOADS)
        try:
            refuse_unopenable(path)  # a workbook that unpacks beyond the limit: said at once
            job = job_create(
                kind="catalogue_import",
                parameters={
                    "path": str(path),
                    "filename": upload.name,
                    "dry_run": form.cleaned_data["dry_run"],
                },
                created_by=request.user,
            )
        except DomainError as exc:
            apply_error(form, exc)
        else:
            return redirect("jobs:detail", job_id=job.pk)
    recent = job_list(user=request.user).filter(kind="catalogue_import").order_by("-pk")
    columns = [(c, HEADERS_ZH[c]) for c in [*COLUMNS, "region"]]
    return render(
        request,
        "catalogue/upload.html",
        {"form": form, "columns": columns, "recent": recent[:RECENT_IMPORTS]},
        status=400 if form.is_bound and form.errors else 200,  # as the payroll page answers
    )
