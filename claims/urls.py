from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("certifications/", views.certification_list_page, name="certification_list"),
    path(
        "certifications/<int:certification_id>/decide/",
        views.certification_decide,
        name="certification_decide",
    ),
]
