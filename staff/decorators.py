"""Role checks for pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from .roles import AUDITOR, user_has_role


def role_required(*roles: str, auditors_read: bool = True):
    """Signed-in users holding one of ``roles``; auditors may GET (read) unless told otherwise."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if user_has_role(request.user, *roles):
                return view(request, *args, **kwargs)
            if auditors_read and request.method == "GET" and user_has_role(request.user, AUDITOR):
                return view(request, *args, **kwargs)
            raise PermissionDenied

        return wrapper

    return decorator
