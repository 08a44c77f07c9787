from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import role_views, two_factor_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", two_factor_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html", success_url=reverse_lazy("accounts:password_change_done")
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html"),
        name="password_change_done",
    ),
    path("test-email/", views.test_email, name="test_email"),
    path("security/users/", views.security_users, name="security_users"),
    path("security/force-logout/", views.force_logout, name="force_logout"),
    path("security/lockouts/", views.security_lockouts, name="security_lockouts"),
    path("security/unlock/", views.unlock, name="unlock"),
    path("security/policy/", views.security_policy, name="security_policy"),
    path("security/users/<int:pk>/role/", role_views.role_change, name="role_change"),
    path("security/users/<int:pk>/role/change/", role_views.role_change_submit, name="role_change_submit"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/settings/", views.notification_settings, name="notification_settings"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
]
