from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from accounts import views as account_views
from reports import search_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("accounts.urls")),
    path("accounts/two-factor/", include("accounts.two_factor_urls")),
    path("audit/", include("accounts.audit_urls")),
    path("proposals/", include("proposals.urls")),
    path("replies/", include("replies.urls")),
    path("reports/", include("reports.urls")),
    path("search/", search_views.search_page, name="search"),
    path("public/", include("portal.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
