"""What a locked-out sign-in gets (django-axes calls this): a page for people, JSON for the API."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request, original_response=None, credentials=None):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if request.path.startswith("/api/"):
        message = _(
            "Too many failed sign-ins for this user name from this address;"
            " try again in %(minutes)d minutes."
        ) % {"minutes": minutes}
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
