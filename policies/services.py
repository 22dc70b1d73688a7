"""Writes for regions and policies: publish a version, load the seeded files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from staff.errors import Conflict, DomainError

from .models import PolicyVersion, Region
from .schema import validate_document
from .usage import settled_claims_using

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"


class InvalidDocument(DomainError):
    def __init__(self, errors: list[dict[str, str]]):
        super().__init__(
            "; ".join(f"{e['path']}: {e['message']}" for e in errors), field="document"
        )
        self.errors = errors

    def as_data(self) -> dict:
        return {"document": [f"{e['path']}: {e['message']}" for e in self.errors]}


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
    """Publish a new version. The open version is closed the day before the new one starts.

    Refused: an invalid document (every JSON path named), a start on or before the start of the
    latest version (overlap or retroactive), a start inside a closed version, and a start that
    would take days away from a version settled claims already used.
    """
    errors = validate_document(document)
    if errors:
        raise InvalidDocument(errors)
    if not source.strip():
        raise DomainError(_("Name the source document (文号 and title)."), field="source")
    if effective_to is not None and effective_to < effective_from:
        raise DomainError(_("The end date is before the start date."), field="effective_to")

    Region.objects.select_for_update().get(pk=region.pk)  # one publication per region at a time
    latest = region.versions.order_by("-effective_from").first()
    if latest is not None:
        if effective_from <= latest.effective_from:
            raise Conflict(
                _(
                    "A version starting %(start)s already exists; a new version must start after "
                    "%(start)s (overlapping or retroactive versions are refused)."
                )
                % {"start": latest.effective_from.isoformat()},
                field="effective_from",
            )
        if latest.effective_to is not None and effective_from <= latest.effective_to:
            raise Conflict(
                _("The version %(version)s is in force until %(end)s; start after that day.")
                % {"version": latest, "end": latest.effective_to.isoformat()},
                field="effective_from",
            )
        if latest.effective_to is None:
            used = settled_claims_using(latest, effective_from)
            if used:
                raise Conflict(
                    _(
                        "%(n)d settled claims on or after %(date)s were settled under the current "
                        "version; a new version cannot start retroactively before them."
                    )
                    % {"n": used, "date": effective_from.isoformat()},
                    field="effective_from",
                )
            latest.effective_to = effective_from - timedelta(days=1)
            latest.save(update_fields=["effective_to"])
    return PolicyVersion.objects.create(
        region=region,
        effective_from=effective_from,
        effective_to=effective_to,
        source=source.strip(),
        document=document,
        created_by=created_by,
    )


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
        region, _created = Region.objects.get_or_create(
            code=data["region"]["code"],
            defaults={"name": data["region"]["name"], "name_en": data["region"].get("name_en", "")},
        )
        start = date.fromisoformat(data["effective_from"])
        end = date.fromisoformat(data["effective_to"]) if data.get("effective_to") else None
        existing = region.versions.filter(effective_from=start).first()
        if existing is not None:
            same = existing.document == data["document"] and existing.effective_to == end
            (report.unchanged if same else report.differing).append(path.name)
            continue
        overlapping = region.versions.filter(effective_from__lte=end or date.max).exclude(
            effective_to__lt=start
        )
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
