"""What each role's home page links to.

Entries name URL patterns by name; an entry whose page does not exist (yet) is left out, so the
home page never links to a 404.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import AUDITOR, CLERK, INSTITUTION, MANAGER, POLICY_ADMIN, ROLES, user_roles


@dataclass(frozen=True)
class Link:
    label: Promise
    url_name: str
    description: Promise | None = None


LINKS: dict[str, tuple[Link, ...]] = {
    CLERK: (
        Link(_("Find a person"), "enrollment:person_search", _("By ID number or name")),
        Link(_("Register a person"), "enrollment:person_create"),
        Link(_("Employers"), "enrollment:employer_list"),
        Link(_("Designated institutions"), "enrollment:institution_list"),
        Link(_("Import persons or institutions"), "enrollment:import"),
        Link(_("Upload payroll"), "accounts:payroll_upload", _("Monthly contribution bases")),
        Link(_("Medical catalogue"), "catalogue:list", _("Drugs, services and materials")),
        Link(_("Chronic and special disease certifications"), "claims:certification_list"),
        Link(
            _("Manual reimbursement"),
            "claims:manual_claim",
            _("Claims that could not be settled on-line"),
        ),
        Link(_("Family sharing"), "family_sharing:list"),
        Link(_("Settlement search"), "claims:settlement_list", _("Reprint slips, reverse")),
        Link(_("Awaiting review"), "review_list", _("Reversals and approvals to check")),
        Link(_("Background jobs"), "jobs:list"),
    ),
    MANAGER: (
        Link(_("Fund overview"), "dashboards:fund"),
        Link(_("Personal accounts"), "dashboards:accounts"),
        Link(_("Family sharing"), "dashboards:sharing"),
        Link(_("Caps and deductibles"), "dashboards:caps"),
        Link(_("Chronic and special diseases"), "dashboards:chronic"),
        Link(_("Institutions"), "dashboards:institutions", _("Top 20 by pooled fund, drill-down")),
        Link(_("Settlement search"), "claims:settlement_list"),
        Link(_("Awaiting review"), "review_list", _("Reversals and approvals to check")),
        Link(_("Regional policies"), "policies:region_list"),
        Link(
            _("Policy replay of a draft"),
            "replay:start",
            _("Evaluate a draft on a past period before publishing it"),
        ),
        Link(_("Background jobs"), "jobs:list", _("Crediting runs, year-end close, imports")),
    ),
    AUDITOR: (
        Link(_("Audit trail"), "audit", _("Who changed what, when and from where")),
        Link(_("Awaiting review"), "review_list"),
        Link(_("Fund overview"), "dashboards:fund"),
        Link(_("Find a person"), "enrollment:person_search"),
        Link(_("Settlement search"), "claims:settlement_list"),
        Link(_("Regional policies"), "policies:region_list"),
        Link(_("Background jobs"), "jobs:list"),
        Link(_("API documentation"), "api-docs"),
    ),
    INSTITUTION: (
        Link(_("API documentation"), "api-docs", _("Settle outpatient claims over the API")),
        Link(_("OpenAPI schema"), "api-schema"),
    ),
    POLICY_ADMIN: (
        Link(_("Regional policies"), "policies:region_list", _("Publish a new policy version")),
        Link(_("Policy document schema"), "policies:schema"),
        Link(_("Policy replay of a draft"), "replay:start", _("Managers' evaluations of drafts")),
        Link(_("Awaiting review"), "review_list", _("Publications a second administrator checks")),
    ),
}


def _resolve(link: Link) -> dict | None:
    try:
        url = reverse(link.url_name)
    except NoReverseMatch:
        return None
    return {"label": link.label, "url": url, "description": link.description}


def home_sections(user) -> list[dict]:
    """One section per role the user holds, each with the links that exist."""
    held = user_roles(user)
    sections = []
    for role in ROLES:
        if role.code not in held:
            continue
        links = [r for r in (_resolve(link) for link in LINKS[role.code]) if r]
        sections.append({"role": role, "links": links})
    return sections


def _allowed(url: str, role: str) -> bool:
    """Whether the permission matrix lets ``role`` GET ``url`` (so the menu never shows a link
    its holder would be refused). A route the matrix does not list is not shown."""
    from django.urls import Resolver404, resolve

    from .permissions_matrix import MATRIX

    try:
        route = resolve(url).route
    except Resolver404:
        return False
    return role in MATRIX.get(f"GET {route}", ())


def side_menu(user, path: str) -> dict:
    """The permanent side menu: one section per role held, each link the role may open, and the
    link for the current page marked (the longest link path that the request path starts with,
    so a person's page marks 查找参保人 and a dashboard tab marks itself)."""
    held = user_roles(user)
    sections = []
    seen: set[str] = set()
    for role in ROLES:
        if role.code not in held:
            continue
        links = []
        for link in LINKS[role.code]:
            resolved = _resolve(link)
            if resolved is None or resolved["url"] in seen:
                continue
            if not _allowed(resolved["url"], role.code):
                continue
            seen.add(resolved["url"])
            links.append({**resolved, "current": False})
        if links:
            sections.append({"role": role, "links": links})
    current = None
    for section in sections:
        for link in section["links"]:
            if path.startswith(link["url"]) and (
                current is None or len(link["url"]) > len(current["url"])
            ):
                current = link
    if current is not None:
        current["current"] = True
    return {"sections": sections, "current": current}
