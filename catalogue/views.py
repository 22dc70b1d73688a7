"""The clerks' catalogue pages: browse and search, upload a file."""

from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from accounts.api import store_upload
from jobs.services import job_create
from staff.decorators import role_required
from staff.errors import DomainError
from staff.forms import apply_error
from staff.roles import CLERK, MANAGER, POLICY_ADMIN

from .forms import CatalogueSearchForm, CatalogueUploadForm
from .imports import COLUMNS
from .jobs import UPLOADS
from .selectors import catalogue_search


@role_required(CLERK, MANAGER, POLICY_ADMIN)
def catalogue_list_page(request):
    form = CatalogueSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = catalogue_search(
        q=data.get("q", ""), kind=data.get("kind", ""), level=data.get("chrgitm_lv", "")
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/list.html",
        {"form": form, "page": page, "pager_query": query.urlencode()},
    )


@role_required(CLERK, MANAGER)
def catalogue_upload_page(request):
    form = CatalogueUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = store_upload(upload, UPLOADS)
        try:
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
    return render(request, "catalogue/upload.html", {"form": form, "columns": [*COLUMNS, "region"]})
