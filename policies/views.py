"""Policy pages: regions, a region's policy with sources and history, publishing a version."""

import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from staff.errors import DomainError, NotFound
from staff.roles import POLICY_ADMIN, user_has_role

from .forms import PublishForm
from .labels import interpretations, parameter_rows
from .schema import POLICY_DOCUMENT_SCHEMA
from .selectors import policy_for, policy_versions, region_get, region_list
from .services import InvalidDocument, policy_version_publish


def _region_or_404(code: str):
    try:
        return region_get(code=code)
    except NotFound:
        raise Http404(code) from None


@login_required
@require_safe
def region_list_page(request):
    today = timezone.localdate()
    rows = []
    for region in region_list():
        try:
            current = policy_for(region=region, on_date=today)
        except NotFound:
            current = None
        rows.append({"region": region, "current": current})
    return render(request, "policies/region_list.html", {"rows": rows, "today": today})


@login_required
@require_safe
def region_detail_page(request, code: str):
    region = _region_or_404(code)
    versions = list(policy_versions(region=region))
    selected = None
    if request.GET.get("version"):
        selected = next((v for v in versions if str(v.pk) == request.GET["version"]), None)
    on = timezone.localdate()
    if selected is None:
        try:
            on = date.fromisoformat(request.GET.get("on", "")) if request.GET.get("on") else on
        except ValueError:
            messages.error(request, _("Use the date format YYYY-MM-DD."))
        try:
            selected = policy_for(region=region, on_date=on)
        except NotFound as exc:
            messages.info(request, exc.message)
            selected = versions[0] if versions else None
    rows = parameter_rows(selected.document) if selected else []
    return render(
        request,
        "policies/region_detail.html",
        {
            "region": region,
            "versions": versions,
            "selected": selected,
            "rows": rows,
            "unset_count": sum(1 for r in rows if r["unset"]),
            "interpretations": interpretations(selected.document) if selected else [],
            "can_publish": user_has_role(request.user, POLICY_ADMIN),
        },
    )


@login_required
def publish_page(request, code: str):
    if not user_has_role(request.user, POLICY_ADMIN):
        raise PermissionDenied
    region = _region_or_404(code)
    latest = policy_versions(region=region).first()
    document_errors: list[str] = []
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                version = policy_version_publish(
                    region=region, created_by=request.user, **form.cleaned_data
                )
            except InvalidDocument as exc:
                document_errors = [f"{e['path']}: {e['message']}" for e in exc.errors]
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, _("Version %(v)s published.") % {"v": version})
                return redirect(f"{region_detail_url(region)}?version={version.pk}")
    else:
        initial = {}
        if latest:
            initial = {
                "source": latest.source,
                "document": json.dumps(latest.document, ensure_ascii=False, indent=2),
            }
        form = PublishForm(initial=initial)
    return render(
        request,
        "policies/publish.html",
        {"region": region, "form": form, "latest": latest, "document_errors": document_errors},
    )


def region_detail_url(region) -> str:
    return reverse("policies:region_detail", args=[region.code])


@login_required
@require_safe
def schema_page(request):
    return render(
        request,
        "policies/schema.html",
        {"schema": json.dumps(POLICY_DOCUMENT_SCHEMA, ensure_ascii=False, indent=2)},
    )
