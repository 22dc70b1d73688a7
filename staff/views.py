"""Pages every signed-in user sees: the home page with a section per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .navigation import home_sections


@login_required
def home(request):
    return render(request, "staff/home.html", {"sections": home_sections(request.user)})
