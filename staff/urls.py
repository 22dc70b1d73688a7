from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        # A signed-in user who opens the sign-in page is sent on (home, or ?next=): the form
        # was shown again under their own name in the header, as if they were signed out.
        auth_views.LoginView.as_view(
            template_name="registration/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_trail, name="audit"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/<int:review_id>/", views.review_detail, name="review_detail"),
]
