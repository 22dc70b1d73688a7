"""Pages every signed-in user sees: the home page with a section per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .navigation import home_sections


@login_required
@require_safe
def home(request):
    return render(request, "staff/home.html", {"sections": home_sections(request.user)})
