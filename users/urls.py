from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .views import StaffSignInView

app_name = "accounts"

urlpatterns = [
    path("login/", StaffSignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The link in a set-password email (users/passwords.py).
    path(
        "set-password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/set_password.html",
            success_url=reverse_lazy("accounts:set_password_done"),
        ),
        name="set_password",
    ),
    path(
        "set-password/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/set_password_done.html"
        ),
        name="set_password_done",
    ),
]
