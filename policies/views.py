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
from django.views.decorators.http import require_POST, require_safe

from staff.errors import DomainError, NotFound
from staff.inputs import check_date_range, has_foreign_digits
from staff.reviews import pending_reviews_of
from staff.roles import AUDITOR, CLERK, MANAGER, POLICY_ADMIN, user_has_role

from . import fields
from .forms import PublishBaseForm, PublishForm, RegionForm
from .labels import LABELS as PATH_LABELS
from .labels import interpretations, label, parameter_rows, schema_rows
from .models import PolicyVersion
from .schema import POLICY_DOCUMENT_SCHEMA
from .selectors import (
    effective_policy,
    policy_differences,
    policy_drafts,
    policy_versions,
    region_chain,
    region_get,
    region_list,
)
from .services import (
    InvalidDocument,
    document_check,
    draft_create,
    draft_delete,
    policy_version_publish,
    publish_plan,
    region_create,
)


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
            # Drafts are the bureau's work in progress (as in the API): an institution's user
            # sees the policy in force and its history, never a draft.
            "drafts": list(policy_drafts(region=region))
            if user_has_role(request.user, CLERK, MANAGER, AUDITOR, POLICY_ADMIN)
            else [],
            # Managers evaluate a draft before it is published (issue 21, the replay pages).
            "can_replay": user_has_role(request.user, MANAGER),
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
    """Parameter by parameter: what changes from the policy in force (``policy_differences``,
    shared with the policy replay's evaluation report)."""
    return policy_differences(before=before, after=after, errors=errors)


def _span(version) -> str:
    end = version.effective_to.isoformat() if version.effective_to else "…"
    return f"{version.effective_from.isoformat()} – {end}（{version.citation_source}）"


def _plan_text(plan, region) -> list[str]:
    end = plan.effective_to.isoformat() if plan.effective_to else "…"
    own = list(policy_versions(region=region))

    def overlaps(v) -> bool:
        return (v.effective_to is None or v.effective_to >= plan.effective_from) and (
            plan.effective_to is None or v.effective_from <= plan.effective_to
        )

    if plan.kind == "fill":
        filled = [v for v in own if v.kind == "version" and overlaps(v)]
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
            },
            _("It fills: %(versions)s.") % {"versions": "；".join(_span(v) for v in filled)},
        ]
    lines = [
        _("A new version from %(start)s to %(end)s.")
        % {"start": plan.effective_from.isoformat(), "end": end}
    ]
    if plan.cut is not None:
        lines.append(
            _("It splits the version %(v)s: that version keeps its days up to %(day)s.")
            % {"v": _span(plan.cut), "day": (plan.effective_from - timedelta(days=1)).isoformat()}
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
    later = [v for v in own if v.kind == "version" and v.effective_from > plan.effective_from]
    if later:
        lines.append(
            _("Later versions, unchanged: %(versions)s.")
            % {"versions": "；".join(_span(v) for v in reversed(later))}
        )
    fills = [v for v in own if v.kind == "fill" and overlaps(v)]
    if fills:
        lines.append(
            _("Fills overlapping its dates: %(versions)s.")
            % {"versions": "；".join(_span(v) for v in reversed(fills))}
        )
    return lines


@login_required
def publish_page(request, code: str):
    """Publish a version or a fill. The administrator picks the start date and the base version
    (by default the one in force on that date: a fill of a past period starts from the text in
    force then); the parameters that version leaves unset are offered as named fields, each
    checked on its own. "Preview" shows, before anything is written, the difference from the
    policy in force on the start date parameter by parameter (with articles), what the
    publication splits or fills (and the later versions it leaves as they are), and every error
    next to its parameter; "Publish" publishes."""
    if not user_has_role(request.user, POLICY_ADMIN):
        raise PermissionDenied
    region = _region_or_404(code)
    bases = list(policy_versions(region=region).filter(kind="version"))
    latest = bases[0] if bases else None
    base_form = PublishBaseForm(request.GET or None, region=region)
    on, base = None, None
    if base_form.is_bound and base_form.is_valid():
        on, base = base_form.cleaned_data["on"], base_form.cleaned_data["base"]
    document_errors: list[str] = []
    field_errors: dict[str, str] = {}
    preview = None
    status = 200
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("draft_id", None)
            draft = _draft_or_none(region, request.POST.get("draft_id", ""))
            on = data["effective_from"]
            field_errors = _apply_fields(request.POST, data["document"])
            if "draft" in request.POST and not field_errors:
                try:
                    saved = draft_create(region=region, created_by=request.user, **data)
                except InvalidDocument as exc:
                    document_errors = [f"{e['path']}: {e['message']}" for e in exc.errors]
                    status = 400
                except DomainError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                    status = 400
                else:
                    if draft is not None:  # saved again: the new text replaces the old
                        draft_delete(draft=draft)
                    named = _("%(region)s · draft #%(id)s from %(start)s") % {
                        "region": region.name,
                        "id": saved.pk,
                        "start": saved.effective_from.isoformat(),
                    }
                    messages.success(
                        request, _("Draft saved (not in force): %(d)s.") % {"d": named}
                    )
                    return redirect(region_detail_url(region) + "#drafts")
            elif "preview" in request.POST or field_errors:
                preview = _preview(region, data, field_errors)
                form = PublishForm(
                    initial={
                        **request.POST.dict(),
                        "document": json.dumps(data["document"], ensure_ascii=False, indent=2),
                    }
                )
                status = 200 if preview["ok"] or "preview" in request.POST else 400
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
                    status = 400
                except DomainError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                    status = 400
                else:
                    if draft is not None:  # published from the draft: the draft is done
                        draft_delete(draft=draft)
                    messages.success(request, _("Version %(v)s published.") % {"v": version})
                    return redirect(f"{region_detail_url(region)}?version={version.pk}")
        else:
            status = 400
    else:
        if base is None and on is not None:
            base = next((v for v in bases if v.covers(on)), None)
        chosen = base or latest
        opened = _draft_or_none(region, request.GET.get("draft", ""))
        if opened is not None:
            initial = {
                "source": opened.source,
                "document": json.dumps(opened.document, ensure_ascii=False, indent=2),
                "effective_from": opened.effective_from.isoformat(),
                "effective_to": opened.effective_to.isoformat() if opened.effective_to else "",
                "draft_id": opened.pk,
            }
            on = opened.effective_from
        elif chosen is not None:
            initial = {
                # A fill names the bureau's notice, not the text it fills: no source given then.
                "source": "" if on else chosen.source,
                "document": json.dumps(chosen.document, ensure_ascii=False, indent=2),
                "effective_from": on.isoformat() if on else "",
            }
        else:
            initial = {"document": json.dumps({"sources": {}}, indent=2)}
        form = PublishForm(initial=initial)
        base = chosen
        if base_form.is_bound and not base_form.is_valid():
            status = 400
    day = on or timezone.localdate()
    errors_by_path = {**(preview or {}).get("field_errors", {}), **field_errors}
    unset = _unset_rows(region, request, day, errors_by_path)
    return render(
        request,
        "policies/publish.html",
        {
            "region": region,
            "form": form,
            "base_form": base_form,
            "base": base,
            "day": day,
            "latest": latest,
            "document_errors": document_errors,
            "preview": preview,
            "unset": unset,
        },
        status=status,
    )


def _draft_or_none(region, raw: str):
    if not raw.isascii() or not raw.isdigit():
        return None
    return region.drafts.filter(pk=int(raw)).first()


@login_required
@require_POST
def draft_delete_page(request, code: str, draft_id: int):
    """Delete a draft (policy administrators); versions are never deleted, drafts may be."""
    if not user_has_role(request.user, POLICY_ADMIN):
        raise PermissionDenied
    region = _region_or_404(code)
    draft = region.drafts.filter(pk=draft_id).first()
    if draft is None:
        raise Http404(draft_id)
    draft_delete(draft=draft)
    messages.success(request, _("Draft deleted."))
    return redirect(region_detail_url(region) + "#drafts")


def _apply_fields(post, document) -> dict[str, str]:
    """Each typed unset parameter (``set:<path>``) read as its kind of value and set in the
    document; {path: reason} for those that cannot be read (the document is left without them)."""
    errors: dict[str, str] = {}
    if not isinstance(document, dict):
        return errors
    for key, raw in post.items():
        if not key.startswith("set:") or not raw.strip():
            continue
        path = key[4:]
        if path not in PATH_LABELS and not any(path.startswith(p + ".") for p in PATH_LABELS):
            errors[path] = _("Unknown parameter.")
            continue
        value, error = fields.parse(path, raw)
        if error:
            errors[path] = error
        else:
            _set(document, path, value)
    return errors


def _unset_rows(region, request, day: date, errors: dict[str, str]) -> list[dict]:
    """The parameters unset in the policy in force on ``day`` (the start chosen): a value typed
    beside one is set in the document (the way to write a fill), checked on its own."""
    try:
        policy = effective_policy(region=region, on_date=day)
    except NotFound:
        return []
    return [
        {
            **row,
            "input": f"set:{row['path']}",
            "given": request.POST.get(f"set:{row['path']}", ""),
            "hint": fields.hint(row["path"]),
            "error": errors.get(row["path"], ""),
        }
        for row in parameter_rows(policy.document)
        if row["unset"]
    ]


def _preview(region, data, field_errors: dict[str, str] | None = None) -> dict:
    errors: dict[str, str] = dict(field_errors or {})
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
            errors.setdefault(e["path"].removeprefix("$.").split("[")[0], e["message"])
    try:
        plan = publish_plan(
            region=region, effective_from=start, effective_to=end, document=document
        )
    except DomainError as exc:
        general.append(exc.message)
    if field_errors:
        # Without the values typed beside the parameters the plan would read the document as
        # something else (e.g. a version starting on its base's day): say what to correct.
        plan, general = (
            None,
            [
                _(
                    "Correct the parameters marked below; the preview then says what the"
                    " publication fills or splits."
                )
            ],
        )
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
        "plan": _plan_text(plan, region) if plan else [],
        "before": before.version if before else None,
        "errors": general,
        "field_errors": errors,
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
