from django.urls import path

from . import views

app_name = "replay"
urlpatterns = [
    path("", views.replay_start_page, name="start"),
    path("<int:job_id>/", views.replay_result_page, name="result"),
    path("<int:job_id>/progress/", views.replay_progress_fragment, name="progress"),
    path("<int:job_id>/export/", views.replay_export, name="export"),
    path("<int:job_id>/report/", views.replay_report_page, name="report"),
]
