"""Writes for regions and policies: publish a version, load the seeded files."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from staff.errors import Conflict, DomainError, NotFound

from .models import PolicyDraft, PolicyVersion, Region
from .schema import validate_document
from .selectors import effective_policy, layers_of, region_chain, region_subtree_ids
from .tree import Layer, bound_breaches, filled_paths, merge
from .usage import settled_claims_using, settlements_in

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"


class InvalidDocument(DomainError):
    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(
            "; ".join(f"{e['path']}: {e['message']}" for e in errors), field="document"
        )
        self.errors = errors

    def as_data(self) -> dict:
        return {
            "document": [f"{e['path']}: {e['message']}" for e in self.errors],
            "parameters": {e["path"].removeprefix("$."): e["message"] for e in self.errors},
        }


def _validate_source(source: str, effective_from: date, effective_to: date | None) -> None:
    if not source.strip():
        raise DomainError(_("Name the source document (文号 and title)."), field="source")
    if effective_to is not None and effective_to < effective_from:
        raise DomainError(_("The end date is before the start date."), field="effective_to")


def _overlapping(queryset, start: date, end: date | None):
    queryset = queryset.exclude(effective_to__lt=start)
    if end is not None:
        queryset = queryset.filter(effective_from__lte=end)
    return queryset


def _ancestor_layers(region: Region, start: date, end: date | None) -> list[Layer]:
    """Every version of the region's ancestors in force on some day of [start, end]."""
    chain = region_chain(region=region)[:-1]
    if not chain:
        return []
    depth = {r.pk: i for i, r in enumerate(chain)}
    versions = _overlapping(
        PolicyVersion.objects.filter(region_id__in=depth).select_related("region"), start, end
    )
    return layers_of(list(versions), depth)


def document_check(
    *, region: Region, effective_from: date, effective_to: date | None, document
) -> dict:
    """Validate a version (or draft) of ``region``: the schema holds for the document overlaid
    on its parent's policy in force on its first day (a pooling area gives only what it sets),
    and no value breaks a bound its ancestors state. Returns the overlaid document."""
    if not isinstance(document, dict):
        raise InvalidDocument(
            [{"path": "$", "message": _("The policy document must be a JSON object.")}]
        )
    merged = document
    if region.parent_id is not None:
        try:
            parent = effective_policy(region=region.parent, on_date=effective_from)
        except NotFound:
            parent = None
        if parent is not None:
            merged = merge(parent.document, document)
    errors = validate_document(merged)
    if errors:
        raise InvalidDocument(errors)
    breaches = bound_breaches(_ancestor_layers(region, effective_from, effective_to), document)
    if breaches:
        raise InvalidDocument([_breach(region, b) for b in breaches])
    return merged


def _breach(region: Region, breach) -> dict[str, str]:
    low, high = breach.bound.get("min"), breach.bound.get("max")
    if low and high:
        bound = _("between %(min)s and %(max)s") % {"min": low, "max": high}
    elif high:
        bound = _("at most %(max)s") % {"max": high}
    else:
        bound = _("at least %(min)s") % {"min": low}
    return {
        "path": f"$.{breach.path}",
        "parameter": breach.path,
        "message": _(
            "%(value)s is outside the bound the parent region sets: %(bound)s "
            "(%(citation)s %(article)s%(note)s)."
        )
        % {
            "value": breach.value,
            "bound": bound,
            "citation": breach.citation,
            "article": breach.article,
            "note": f"：{breach.note}" if breach.note else "",
        },
    }


@dataclass
class PublishPlan:
    """What publishing would do (shown on the form before publishing, and then done)."""

    kind: str  # version | fill
    effective_from: date
    effective_to: date | None
    filled: list[str]  # a fill: the parameters it gives
    cut: PolicyVersion | None = None  # an amendment: the version it splits
    continuation: tuple[date, date | None] | None = None  # the days of ``cut`` after the new one


def _usage(region: Region, start: date, end: date | None, cut: PolicyVersion | None):
    """(count, first date) of settlements the new version would change."""
    count, first = settlements_in(region_subtree_ids(region=region), start, end)
    if cut is not None and not count:
        count = settled_claims_using(cut, start)
    return count, first


def publish_plan(
    *, region: Region, effective_from: date, effective_to: date | None, document: dict
) -> PublishPlan:
    """Decide what a publication is: a fill (only values the overlapped versions left unset)
    or a version, which may start inside an earlier one (a split). Raises what publishing
    would refuse."""
    bases = list(region.versions.filter(kind="version").order_by("effective_from"))
    # Without an end, a fill fills the version in force on its first day, to that version's end.
    fill_end = effective_to
    if fill_end is None:
        filled_version = next((v for v in bases if v.covers(effective_from)), None)
        fill_end = filled_version.effective_to if filled_version else None
    own = list(_overlapping(region.versions.all(), effective_from, fill_end))
    overlapped_bases = [v for v in own if v.kind == "version"]
    if overlapped_bases:
        fills = [filled_paths(v.document, document) for v in own]
        if all(f is not None for f in fills) and any(fills):
            end = fill_end
            if _covered(overlapped_bases, effective_from, end):
                filled = sorted({p for f in fills for p in f})
                return PublishPlan("fill", effective_from, end, filled)
    if bases and effective_from < bases[0].effective_from:
        raise Conflict(
            _(
                "The first version of %(region)s starts %(start)s; a version cannot start before "
                "it (publish a fill to give values it left unset)."
            )
            % {"region": region, "start": bases[0].effective_from.isoformat()},
            field="effective_from",
        )
    same = next((v for v in bases if v.effective_from == effective_from), None)
    if same is not None:
        raise Conflict(
            _(
                "A version starting %(start)s already exists; a new version must start on "
                "another day (overlapping versions are refused)."
            )
            % {"start": effective_from.isoformat()},
            field="effective_from",
        )
    cut = next((v for v in bases if v.covers(effective_from)), None)
    following = next((v for v in bases if v.effective_from > effective_from), None)
    end = effective_to
    if end is None:
        if cut is not None:
            end = cut.effective_to
        elif following is not None:
            end = following.effective_from - timedelta(days=1)
    if following is not None and (end is None or end >= following.effective_from):
        raise Conflict(
            _("The version %(version)s starts %(start)s; end the new version before that day.")
            % {"version": following, "start": following.effective_from.isoformat()},
            field="effective_to",
        )
    continuation = None
    if cut is not None and end is not None and (cut.effective_to is None or end < cut.effective_to):
        continuation = (end + timedelta(days=1), cut.effective_to)
    count, first = _usage(region, effective_from, end, cut)
    if count:
        raise Conflict(
            _(
                "%(n)d settled claims on or after %(date)s were settled under the policy this "
                "version would change (the first on %(first)s); it cannot start before them."
            )
            % {
                "n": count,
                "date": effective_from.isoformat(),
                "first": first.isoformat() if first else "—",
            },
            field="effective_from",
        )
    return PublishPlan("version", effective_from, end, [], cut, continuation)


def _covered(versions: list[PolicyVersion], start: date, end: date | None) -> bool:
    """Whether ``versions`` cover every day of [start, end] (end None: for ever)."""
    day = start
    for v in sorted(versions, key=lambda v: v.effective_from):
        if v.effective_from > day:
            return False
        if v.effective_to is None:
            return True
        day = max(day, v.effective_to + timedelta(days=1))
        if end is not None and day > end:
            return True
    return end is not None and day > end


@transaction.atomic
def policy_version_publish(
    *,
    region: Region,
    effective_from: date,
    source: str,
    document: dict,
    effective_to: date | None = None,
    created_by=None,
) -> PolicyVersion:
    """Publish a version or a fill (DESIGN.md, "Versions: amendments, fills and drafts").

    Refused: an invalid document (every JSON path named), a value outside a bound of the
    parent region (path, bound and article named), a start before the region's first version
    or on another version's first day, an end past the start of a later version, and a start
    that would change settlements already computed (409 with their count and first date).
    A version starting inside an earlier one splits it; a fill is stacked below the versions
    it fills, on any dates.
    """
    _validate_source(source, effective_from, effective_to)
    Region.objects.select_for_update().get(pk=region.pk)  # one publication per region at a time
    document_check(
        region=region, effective_from=effective_from, effective_to=effective_to, document=document
    )
    plan = publish_plan(
        region=region, effective_from=effective_from, effective_to=effective_to, document=document
    )
    if plan.cut is not None:
        if plan.continuation is not None:
            PolicyVersion.objects.create(
                region=region,
                effective_from=plan.continuation[0],
                effective_to=plan.continuation[1],
                source=plan.cut.source,
                document=plan.cut.document,
                created_by=created_by,
            )
        plan.cut.effective_to = effective_from - timedelta(days=1)
        plan.cut.save(update_fields=["effective_to"])
    return PolicyVersion.objects.create(
        region=region,
        kind=plan.kind,
        effective_from=effective_from,
        effective_to=plan.effective_to,
        source=source.strip(),
        document=document,
        created_by=created_by,
    )


_CODE = re.compile(r"^[0-9]{6}$")


@transaction.atomic
def region_create(
    *, code: str, name: str, parent: Region | None = None, name_en: str = ""
) -> Region:
    """Create a region, e.g. a pooling area (510100 成都市) under its framework (510000)."""
    code = (code or "").strip()
    if not _CODE.match(code):
        raise DomainError(_("The region code is six digits, e.g. 510100."), field="code")
    if not (name or "").strip():
        raise DomainError(_("Give the region's name."), field="name")
    if Region.objects.filter(code=code).exists():
        raise Conflict(_("The region %(code)s already exists.") % {"code": code}, field="code")
    return Region.objects.create(
        code=code, name=name.strip()[:64], name_en=(name_en or "").strip()[:64], parent=parent
    )


@transaction.atomic
def draft_create(
    *,
    region: Region,
    effective_from: date,
    source: str,
    document,
    effective_to: date | None = None,
    created_by=None,
) -> PolicyDraft:
    """Store a draft: checked like a version's document, never in force."""
    _validate_source(source, effective_from, effective_to)
    document_check(
        region=region, effective_from=effective_from, effective_to=effective_to, document=document
    )
    return PolicyDraft.objects.create(
        region=region,
        effective_from=effective_from,
        effective_to=effective_to,
        source=source.strip(),
        document=document,
        created_by=created_by,
    )


@transaction.atomic
def draft_delete(*, draft: PolicyDraft) -> None:
    draft.delete()


@transaction.atomic
def draft_publish(*, draft: PolicyDraft, created_by=None) -> PolicyVersion:
    """Publish a draft with every check of publishing; the draft is gone once published."""
    version = policy_version_publish(
        region=draft.region,
        effective_from=draft.effective_from,
        effective_to=draft.effective_to,
        source=draft.source,
        document=draft.document,
        created_by=created_by,
    )
    draft.delete()
    return version


@dataclass
class LoadReport:
    created: list[str]
    unchanged: list[str]
    differing: list[str]


@transaction.atomic
def policies_load_seeds(*, directory: Path = SEEDS_DIR) -> LoadReport:
    """Load the seeded regions' policy files (``<code>_<effective_from>.json``). Idempotent:
    a version already present is left alone, and reported if the file now differs from it."""
    report = LoadReport([], [], [])
    files = sorted(directory.glob("*.json"), key=lambda p: (p.name[:6], p.name[7:]))
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        errors = validate_document(data["document"])
        if errors:
            raise InvalidDocument([{**e, "path": f"{path.name}: {e['path']}"} for e in errors])
        parent = None
        if data["region"].get("parent"):
            info = data["region"]["parent"]
            parent, _created = Region.objects.get_or_create(
                code=info["code"],
                defaults={"name": info["name"], "name_en": info.get("name_en", "")},
            )
        region, _created = Region.objects.get_or_create(
            code=data["region"]["code"],
            defaults={
                "name": data["region"]["name"],
                "name_en": data["region"].get("name_en", ""),
                "parent": parent,
            },
        )
        if parent is not None and region.parent_id is None:
            # A database seeded before regions had parents: link it once.
            region.parent = parent
            region.save(update_fields=["parent"])
        start = date.fromisoformat(data["effective_from"])
        end = date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None
        existing = region.versions.filter(kind="version", effective_from=start).first()
        if existing is not None:
            same = existing.document == data["document"] and existing.effective_to == end
            (report.unchanged if same else report.differing).append(path.name)
            continue
        overlapping = region.versions.filter(
            kind="version", effective_from__lte=end or date.max
        ).exclude(effective_to__lt=start)
        if overlapping.exists():
            raise DomainError(f"{path.name}: overlaps {overlapping.first()}.")
        PolicyVersion.objects.create(
            region=region,
            effective_from=start,
            effective_to=end,
            source=data["source"],
            document=data["document"],
        )
        report.created.append(path.name)
    return report
