from django.urls import path

from . import views

app_name = "enrollment"
urlpatterns = [
    path("persons/", views.person_search_page, name="person_search"),
    path("persons/new/", views.person_create_page, name="person_create"),
    path("persons/<int:person_id>/", views.person_detail_page, name="person_detail"),
    path("persons/<int:person_id>/edit/", views.person_edit_page, name="person_edit"),
    path("persons/<int:person_id>/retire/", views.person_retire_page, name="person_retire"),
    path("persons/<int:person_id>/stays/new/", views.stay_create_page, name="stay_create"),
    path(
        "persons/<int:person_id>/stays/<int:stay_id>/discharge/",
        views.stay_discharge_page,
        name="stay_discharge",
    ),
    path("persons/<int:person_id>/filings/new/", views.filing_create_page, name="filing_create"),
    path(
        "persons/<int:person_id>/filings/<int:filing_id>/end/",
        views.filing_end_page,
        name="filing_end",
    ),
    path("employers/", views.employer_list_page, name="employer_list"),
    path("employers/new/", views.employer_create_page, name="employer_create"),
    path("institutions/", views.institution_list_page, name="institution_list"),
    path("institutions/new/", views.institution_create_page, name="institution_create"),
    path("import/", views.import_page, name="import"),
    path("places/<str:code>/", views.place_page, name="place"),
    path("lookup/employers/", views.employer_lookup, name="employer_lookup"),
    path("lookup/institutions/", views.institution_lookup, name="institution_lookup"),
]
