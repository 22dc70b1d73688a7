"""Reads for regions and policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from staff.errors import NotFound

from .models import PolicyDraft, PolicyVersion, Region
from .tree import Effective, Layer, effective


def region_list() -> QuerySet[Region]:
    return Region.objects.select_related("parent")


def region_get(*, code: str) -> Region:
    region = Region.objects.filter(code=code).select_related("parent").first()
    if region is None:
        raise NotFound(_("Unknown region code “%(code)s”.") % {"code": code}, field="region")
    return region


def region_chain(*, region: Region) -> list[Region]:
    """The region's ancestors and itself, root first."""
    chain = [region]
    seen = {region.pk}
    while chain[0].parent_id is not None and chain[0].parent_id not in seen:
        parent = Region.objects.get(pk=chain[0].parent_id)
        seen.add(parent.pk)
        chain.insert(0, parent)
    return chain


def region_subtree_ids(*, region: Region) -> list[int]:
    """The region and every region below it."""
    ids, frontier = [region.pk], [region.pk]
    while frontier:
        frontier = list(
            Region.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def policy_versions(*, region: Region) -> QuerySet[PolicyVersion]:
    return region.versions.order_by("-effective_from", "kind")


def _in_force(on_date: date) -> Q:
    return Q(effective_from__lte=on_date) & (
        Q(effective_to__isnull=True) | Q(effective_to__gte=on_date)
    )


def policy_for(*, region: Region, on_date: date) -> PolicyVersion:
    """The region's own version (not a fill) in force on ``on_date``."""
    version = (
        PolicyVersion.objects.filter(_in_force(on_date), region=region, kind="version")
        .select_related("region")
        .first()
    )
    if version is None:
        raise NotFound(
            _("No policy of %(region)s is in force on %(date)s.")
            % {"region": region, "date": on_date.isoformat()}
        )
    return version


def layers_of(versions: list[PolicyVersion], depth: dict[int, int]) -> list[Layer]:
    """The stack of a region's chain (lowest first): per region root first, its fills (oldest
    first) below its version."""
    ordered = sorted(
        versions,
        key=lambda v: (depth[v.region_id], v.kind == "version", v.effective_from, v.pk),
    )
    return [Layer(v.region.code, v.document, v.citation_source, v.kind, v.pk) for v in ordered]


@dataclass
class EffectivePolicy:
    """A region's policy on a day: its ancestors' versions in force overlaid by its own."""

    region: Region
    on_date: date
    version: PolicyVersion  # the most specific version (not fill) of the stack
    versions: list[PolicyVersion]
    result: Effective
    layers: list[Layer] = field(default_factory=list)

    @property
    def document(self) -> dict:
        return self.result.document

    @property
    def inherited(self) -> dict[str, str]:
        return self.result.inherited

    @property
    def source(self) -> str:
        return self.version.source

    @property
    def citation_source(self) -> str:
        return self.version.citation_source


def effective_policy(
    *, region: Region, on_date: date, extra: PolicyVersion | None = None
) -> EffectivePolicy:
    """The effective policy of ``region`` on ``on_date`` (DESIGN.md "Regions form a tree").
    ``extra`` (an unsaved version, e.g. a draft's) is stacked as if it were in force."""
    chain = region_chain(region=region)
    depth = {r.pk: i for i, r in enumerate(chain)}
    versions = list(
        PolicyVersion.objects.filter(_in_force(on_date), region_id__in=depth).select_related(
            "region"
        )
    )
    if extra is not None:
        if extra.kind == "version":  # it replaces the region's own version; a fill adds
            versions = [
                v for v in versions if not (v.region_id == extra.region_id and v.kind == "version")
            ]
        versions.append(extra)
    bases = [v for v in versions if v.kind == "version"]
    if not bases:
        raise NotFound(
            _("No policy of %(region)s is in force on %(date)s.")
            % {"region": region, "date": on_date.isoformat()}
        )
    deepest = max(bases, key=lambda v: depth[v.region_id])
    # A fill only fills a version of its own region: without one there, it has nothing to do.
    versions = [
        v for v in versions if v.kind == "version" or any(b.region_id == v.region_id for b in bases)
    ]
    layers = layers_of(versions, depth)
    return EffectivePolicy(
        region, on_date, deepest, versions, effective(layers, region.code), layers
    )


def policy_drafts(*, region: Region) -> QuerySet[PolicyDraft]:
    return region.drafts.order_by("-created_at")


def policy_differences(*, before, after, errors: dict | None = None) -> list[dict]:
    """Parameter by parameter: what changes from ``before`` (the policy in force, an object with
    a ``document``; None when there is none) to ``after``, with the articles ``after`` cites;
    the parameters an error names are listed too, with the error beside them. Used by the
    publish preview and by the policy replay's evaluation."""
    from .labels import format_value, label
    from .schema import source_for
    from .tree import leaves

    errors = errors or {}
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
