"""Policy pages: regions, a region's policy with sources and history, publishing a version."""

import json
from datetime import date, timedelta

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
from staff.inputs import check_date_range, has_foreign_digits
from staff.reviews import pending_reviews_of
from staff.roles import POLICY_ADMIN, user_has_role

from .forms import PublishForm, RegionForm
from .labels import format_value, interpretations, label, parameter_rows, schema_rows
from .models import PolicyVersion
from .schema import POLICY_DOCUMENT_SCHEMA, source_for
from .selectors import (
    effective_policy,
    policy_drafts,
    policy_versions,
    region_chain,
    region_get,
    region_list,
)
from .services import (
    InvalidDocument,
    document_check,
    policy_version_publish,
    publish_plan,
    region_create,
)
from .tree import leaves


def _region_or_404(code: str):
    try:
        return region_get(code=code)
    except NotFound:
        raise Http404(code) from None


@login_required
@require_safe
def region_list_page(request):
    """The regions as a tree: provincial frameworks with their pooling areas below them."""
    today = timezone.localdate()
    regions = list(region_list())
    children: dict[int | None, list] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region)
    rows = []

    def walk(parent_id, depth):
        for region in children.get(parent_id, []):
            try:
                current = effective_policy(region=region, on_date=today)
            except NotFound:
                current = None
            rows.append({"region": region, "current": current, "depth": depth})
            walk(region.pk, depth + 1)

    walk(None, 0)
    return render(
        request,
        "policies/region_list.html",
        {"rows": rows, "today": today, "can_publish": user_has_role(request.user, POLICY_ADMIN)},
    )


def _origin(result, region, path: str) -> dict:
    """Where a parameter's value comes from: this region's version, its fill, or an ancestor."""
    layer = result.origins.get(path) if result else None
    if layer is None and result:
        layer = next((v for k, v in result.origins.items() if k.startswith(path + ".")), None)
    if layer is None:
        return {"own": True, "text": ""}
    if layer.region != region.code:
        return {
            "own": False,
            "text": _("inherited from %(region)s (%(doc)s)")
            % {"region": layer.region, "doc": layer.citation},
            "region": layer.region,
        }
    if layer.kind == "fill":
        return {"own": True, "text": _("filled by %(doc)s") % {"doc": layer.citation}}
    return {"own": True, "text": _("this region")}


@login_required
@require_safe
def region_detail_page(request, code: str):
    region = _region_or_404(code)
    versions = list(policy_versions(region=region))
    chain = region_chain(region=region)
    selected, result, document = None, None, None
    if request.GET.get("version"):
        selected = next((v for v in versions if str(v.pk) == request.GET["version"]), None)
        document = selected.document if selected else None
    on = timezone.localdate()
    bad_date = False
    if selected is None:
        try:
            raw = request.GET.get("on", "")
            if raw and has_foreign_digits(raw):
                raise ValueError(raw)
            on = check_date_range(date.fromisoformat(raw), field="on") if raw else on
        except ValueError:  # BadInput is one too
            bad_date = True
            messages.error(request, _("Use the date format YYYY-MM-DD."))
        try:
            policy = effective_policy(region=region, on_date=on)
            selected, result, document = policy.version, policy.result, policy.document
        except NotFound as exc:
            messages.info(request, exc.message)
            selected = versions[0] if versions else None
            document = selected.document if selected else None
    rows = parameter_rows(document) if document else []
    for row in rows:
        row["origin"] = _origin(result, region, row["path"])
    return render(
        request,
        "policies/region_detail.html",
        {
            "region": region,
            "chain": chain,
            "children": list(region.children.all()),
            "versions": versions,
            "drafts": list(policy_drafts(region=region)),
            "pending_review": pending_reviews_of(
                object_type="policies.region", object_ids=[region.code]
            ).get(region.code),
            "selected": selected,
            "effective": result is not None,
            "rows": rows,
            "unset_count": sum(1 for r in rows if r["unset"]),
            "interpretations": interpretations(document) if document else [],
            "can_publish": user_has_role(request.user, POLICY_ADMIN),
        },
        status=400 if bad_date else 200,
    )


@login_required
def region_create_page(request):
    """Create a pooling area (统筹地区) under a framework (policy administrators)."""
    if not user_has_role(request.user, POLICY_ADMIN):
        raise PermissionDenied
    form = RegionForm(request.POST or None, initial={"parent": request.GET.get("parent", "")})
    if request.method == "POST" and form.is_valid():
        try:
            region = region_create(
                code=form.cleaned_data["code"],
                name=form.cleaned_data["name"],
                parent=form.cleaned_data["parent"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("Region %(r)s created.") % {"r": region})
            return redirect(region_detail_url(region))
    return render(request, "policies/region_form.html", {"form": form})


def _set(document: dict, dotted: str, value) -> None:
    node = document
    parts = dotted.split(".")
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[parts[-1]] = value


def _diff(region, before, after, errors: dict) -> list[dict]:
    """Parameter by parameter: what changes from the policy in force, with articles; the
    parameters an error names are listed too, with the error beside them."""
    old = dict(leaves(before.document)) if before else {}
    new = dict(leaves(after.document)) if after else {}
    paths = [p for p in dict.fromkeys([*old, *new]) if old.get(p) != new.get(p)]
    paths += [p for p in errors if p not in paths]
    rows = []
    for path in paths:
        source = (source_for(after.document, path) if after else None) or {}
        rows.append(
            {
                "path": path,
                "label": label(path),
                "before": format_value(path, old.get(path)) if path in old or before else "—",
                "after": format_value(path, new.get(path)) if path in new else "—",
                "article": " ".join(
                    x for x in (source.get("document", ""), source.get("article", "")) if x
                ),
                "error": errors.get(path, ""),
            }
        )
    return rows


def _plan_text(plan) -> list[str]:
    end = plan.effective_to.isoformat() if plan.effective_to else "…"
    if plan.kind == "fill":
        return [
            _(
                "A fill from %(start)s to %(end)s: it gives %(params)s, left unset by the "
                "versions it overlaps; nothing already computed changes, and work refused for "
                "want of these values can be done for those dates."
            )
            % {
                "start": plan.effective_from.isoformat(),
                "end": end,
                "params": "、".join(label(p) for p in plan.filled),
            }
        ]
    lines = [
        _("A new version from %(start)s to %(end)s.")
        % {"start": plan.effective_from.isoformat(), "end": end}
    ]
    if plan.cut is not None:
        lines.append(
            _("It splits the version %(v)s: that version keeps its days up to %(day)s.")
            % {"v": plan.cut, "day": (plan.effective_from - timedelta(days=1)).isoformat()}
        )
    if plan.continuation is not None:
        lines.append(
            _("The days from %(start)s to %(end)s stay under the text of %(v)s (a copy).")
            % {
                "start": plan.continuation[0].isoformat(),
                "end": plan.continuation[1].isoformat() if plan.continuation[1] else "…",
                "v": plan.cut,
            }
        )
    return lines


@login_required
def publish_page(request, code: str):
    """Publish a version or a fill. "Preview" shows, before anything is written, the
    difference from the policy in force parameter by parameter (with articles), what the
    publication splits or fills, and every error next to its parameter; "Publish" publishes."""
    if not user_has_role(request.user, POLICY_ADMIN):
        raise PermissionDenied
    region = _region_or_404(code)
    latest = policy_versions(region=region).filter(kind="version").first()
    document_errors: list[str] = []
    preview = None
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            for key, value in request.POST.items():
                if key.startswith("set:") and value.strip():
                    _set(data["document"], key[4:], value.strip())
            if "preview" in request.POST:
                preview = _preview(region, data)
                form = PublishForm(
                    initial={
                        **request.POST.dict(),
                        "document": json.dumps(data["document"], ensure_ascii=False, indent=2),
                    }
                )
            else:
                from .reviews import publication_needs_review, publication_request

                try:
                    if publication_needs_review():
                        review = publication_request(region=region, actor=request.user, **data)
                        messages.success(
                            request,
                            _(
                                "The publication awaits review by another policy administrator"
                                " (review #%(id)s); nothing is in force until it is approved."
                            )
                            % {"id": review.pk},
                        )
                        return redirect(region_detail_url(region))
                    version = policy_version_publish(region=region, created_by=request.user, **data)
                except InvalidDocument as exc:
                    document_errors = [f"{e['path']}: {e['message']}" for e in exc.errors]
                    preview = _preview(region, data)
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
        else:
            initial = {"document": json.dumps({"sources": {}}, indent=2)}
        form = PublishForm(initial=initial)
    unset = _unset_rows(region, request)
    return render(
        request,
        "policies/publish.html",
        {
            "region": region,
            "form": form,
            "latest": latest,
            "document_errors": document_errors,
            "preview": preview,
            "unset": unset,
        },
    )


def _unset_rows(region, request) -> list[dict]:
    """The parameters unset in the policy in force today: a value typed beside one is set in
    the document (the way to write a fill)."""
    try:
        policy = effective_policy(region=region, on_date=timezone.localdate())
    except NotFound:
        return []
    return [
        {**row, "input": f"set:{row['path']}", "given": request.POST.get(f"set:{row['path']}", "")}
        for row in parameter_rows(policy.document)
        if row["unset"]
    ]


def _preview(region, data) -> dict:
    errors: dict[str, str] = {}
    general: list[str] = []
    plan = None
    start, end, document = data["effective_from"], data.get("effective_to"), data["document"]
    try:
        before = effective_policy(region=region, on_date=start)
    except NotFound:
        before = None
    try:
        document_check(region=region, effective_from=start, effective_to=end, document=document)
    except InvalidDocument as exc:
        for e in exc.errors:
            errors[e["path"].removeprefix("$.").split("[")[0]] = e["message"]
    try:
        plan = publish_plan(
            region=region, effective_from=start, effective_to=end, document=document
        )
    except DomainError as exc:
        general.append(exc.message)
    after = None
    if isinstance(document, dict):
        unsaved = PolicyVersion(
            region=region,
            effective_from=start,
            effective_to=end,
            source=data.get("source", ""),
            document=document,
            kind=plan.kind if plan else "version",
        )
        try:
            after = effective_policy(region=region, on_date=start, extra=unsaved)
        except NotFound:
            after = None
    return {
        "rows": _diff(region, before, after, errors),
        "plan": _plan_text(plan) if plan else [],
        "errors": general,
        "ok": plan is not None and not errors and not general,
    }


def region_detail_url(region) -> str:
    return reverse("policies:region_detail", args=[region.code])


@login_required
@require_safe
def schema_page(request):
    return render(
        request,
        "policies/schema.html",
        {
            "rows": schema_rows(),
            "schema": json.dumps(POLICY_DOCUMENT_SCHEMA, ensure_ascii=False, indent=2),
        },
    )
