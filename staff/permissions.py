"""DRF permission classes built on roles."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from .roles import AUDITOR, user_has_role


def has_role(*roles: str) -> type[BasePermission]:
    """A permission class admitting users who hold any of ``roles`` (superusers always).

    Auditors may read (safe methods) wherever they are not named explicitly, because their role is
    to read everything and change nothing.
    """

    class HasRole(BasePermission):
        message = _("Your role does not allow this operation.")

        def has_permission(self, request, view) -> bool:
            user = request.user
            if user_has_role(user, *roles):
                return True
            return request.method in SAFE_METHODS and user_has_role(user, AUDITOR)

    HasRole.__name__ = "HasRole_" + "_".join(roles)
    return HasRole
