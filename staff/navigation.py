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
