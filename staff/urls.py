from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_trail, name="audit"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:review_id>/", views.review_detail, name="review_detail"),
]
