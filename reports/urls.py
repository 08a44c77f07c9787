from django.urls import path  # noqa: F401

app_name = "reports"

urlpatterns = [
    # --- statistics and the annual report ---
    # --- exports of filtered lists ---
]
