from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.dashboard_page, {"page": "fund"}, name="fund"),
    path("accounts/", views.dashboard_page, {"page": "accounts"}, name="accounts"),
    path("sharing/", views.dashboard_page, {"page": "sharing"}, name="sharing"),
    path("caps/", views.dashboard_page, {"page": "caps"}, name="caps"),
    path("chronic/", views.dashboard_page, {"page": "chronic"}, name="chronic"),
    path("institutions/", views.dashboard_page, {"page": "institutions"}, name="institutions"),
    path("institutions/<int:institution_id>/", views.institution_page, name="institution"),
]
