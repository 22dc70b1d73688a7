from django.urls import path

from . import views

app_name = "family_sharing"
urlpatterns = [
    path("", views.sharing_list_page, name="list"),
    path("grant/<int:person_id>/", views.sharing_grant_page, name="grant"),
    path("<int:authorisation_id>/revoke/", views.sharing_revoke_page, name="revoke"),
    path("<int:authorisation_id>/premium/", views.premium_pay_page, name="premium"),
    path("statement/<int:person_id>/", views.sharing_statement_page, name="statement"),
]
