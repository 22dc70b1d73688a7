from django.urls import path

from . import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list_page, name="list"),
    path("selfcheck/", views.selfcheck_start, name="selfcheck"),
    path("<int:job_id>/", views.job_detail_page, name="detail"),
    path("<int:job_id>/progress/", views.job_progress_fragment, name="progress"),
]
