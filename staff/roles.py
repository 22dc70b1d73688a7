"""Roles of bureau users. A role is a Django group whose name is the role's code.

The groups are created by a data migration (``staff/migrations/0001_roles.py``), so every
database, fresh or old, has the same five.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CLERK = "clerk"
MANAGER = "manager"
AUDITOR = "auditor"
INSTITUTION = "institution"
POLICY_ADMIN = "policy_admin"


@dataclass(frozen=True)
class Role:
    code: str
    label: Promise
    description: Promise


ROLES: tuple[Role, ...] = (
    Role(
        CLERK,
        _("Clerk"),
        _("Registers persons, employers and institutions; settles manual claims."),
    ),
    Role(
        MANAGER, _("Manager"), _("Watches the fund, accounts and sharing on dashboards; runs jobs.")
    ),
    Role(AUDITOR, _("Auditor"), _("Reads everything, changes nothing.")),
    Role(INSTITUTION, _("Designated institution"), _("API client that settles outpatient claims.")),
    Role(
        POLICY_ADMIN, _("Policy administrator"), _("Publishes new versions of regional policies.")
    ),
)
ROLE_CODES = tuple(role.code for role in ROLES)
ROLES_BY_CODE = {role.code: role for role in ROLES}


def user_roles(user) -> set[str]:
    """The role codes a user holds; a superuser holds every role."""
    if not getattr(user, "is_authenticated", False):
        return set()
    if user.is_superuser:
        return set(ROLE_CODES)
    cached = getattr(user, "_role_codes", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=ROLE_CODES).values_list("name", flat=True))
        user._role_codes = cached
    return cached


def user_has_role(user, *roles: str) -> bool:
    return bool(user_roles(user) & set(roles))
