from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.region_list_page, name="region_list"),
    path("schema/", views.schema_page, name="schema"),
    path("new/", views.region_create_page, name="region_create"),
    path("<str:code>/", views.region_detail_page, name="region_detail"),
    path("<str:code>/publish/", views.publish_page, name="publish"),
    path(
        "<str:code>/drafts/<int:draft_id>/delete/",
        views.draft_delete_page,
        name="draft_delete",
    ),
]
