"""Reads for regions and policies."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from staff.errors import NotFound

from .models import PolicyVersion, Region


def region_list() -> QuerySet[Region]:
    return Region.objects.all()


def region_get(*, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise NotFound(_("Unknown region code “%(code)s”.") % {"code": code}, field="region")
    return region


def policy_versions(*, region: Region) -> QuerySet[PolicyVersion]:
    return region.versions.order_by("-effective_from")


def policy_for(*, region: Region, on_date: date) -> PolicyVersion:
    """The version of ``region``'s policy in force on ``on_date`` (参保地政策)."""
    version = (
        PolicyVersion.objects.filter(region=region, effective_from__lte=on_date)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on_date))
        .select_related("region")
        .first()
    )
    if version is None:
        raise NotFound(
            _("No policy of %(region)s is in force on %(date)s.")
            % {"region": region, "date": on_date.isoformat()}
        )
    return version
