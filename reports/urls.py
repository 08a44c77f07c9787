from django.urls import path

from . import export_views, statistics_views

app_name = "reports"

urlpatterns = [
    # --- statistics and the annual report ---
    path("statistics/", statistics_views.statistics, name="statistics"),
    path("statistics/xlsx/", statistics_views.statistics_xlsx, name="statistics_xlsx"),
    path("statistics/annual-report/", statistics_views.annual_report, name="annual_report"),
    # --- exports of filtered lists ---
    path("exports/", export_views.export_list, name="exports"),
    path("exports/new/", export_views.export_create, name="export_create"),
    path("exports/<int:pk>/", export_views.export_detail, name="export"),
    path("exports/<int:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
]
