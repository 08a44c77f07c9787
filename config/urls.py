from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("proposals/", include("proposals.urls")),
    path("replies/", include("replies.urls")),
    path("reports/", include("reports.urls")),
    path("public/", include("portal.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
