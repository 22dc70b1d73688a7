"""The project's URLs and one view that fails, for the 500 page's test."""

from django.urls import path

from config.urls import urlpatterns as project


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *project]
