from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("payroll/", views.payroll_upload_page, name="payroll_upload"),
    path("persons/<int:person_id>/statement/", views.statement_page, name="statement"),
    path("persons/<int:person_id>/receipt/", views.premium_receipt_page, name="premium_receipt"),
    path(
        "persons/<int:person_id>/annual/<int:year>/",
        views.annual_statement_page,
        name="annual_statement",
    ),
]
