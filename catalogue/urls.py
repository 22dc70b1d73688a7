from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.catalogue_list_page, name="list"),
    path("upload/", views.catalogue_upload_page, name="upload"),
]
