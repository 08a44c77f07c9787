from django.urls import path

from . import two_factor_views as views

app_name = "two_factor"

urlpatterns = [
    path("", views.setup, name="setup"),
    path("verify/", views.verify, name="verify"),
    path("confirm/", views.confirm, name="confirm"),
    path("recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("disable/", views.disable, name="disable"),
    path("reset/", views.reset, name="reset"),
]
