from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("manual/", views.manual_claim_page, name="manual_claim"),
    path(
        "persons/<int:person_id>/inpatient-total/",
        views.inpatient_total_page,
        name="inpatient_total",
    ),
    path("settlements/", views.settlement_list_page, name="settlement_list"),
    path("settlements/<int:settlement_id>/", views.settlement_slip_page, name="settlement_slip"),
    path(
        "settlements/<int:settlement_id>/reverse/",
        views.settlement_reverse_page,
        name="settlement_reverse",
    ),
    path("certifications/", views.certification_list_page, name="certification_list"),
    path(
        "certifications/<int:certification_id>/decision/",
        views.certification_decision_page,
        name="certification_decision",
    ),
    path(
        "certifications/<int:certification_id>/decide/",
        views.certification_decide,
        name="certification_decide",
    ),
]
