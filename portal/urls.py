from django.urls import path

from . import views

app_name = "portal"

# Stable addresses: a proposal by its session and number (第53号 of 会次 3 is /public/3/53/),
# a reply by its own id, which neither a correction nor its document number changes.
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:session>/<int:number>/", views.proposal, name="proposal"),
    path("replies/<int:pk>/", views.reply, name="reply"),
    path("replies/<int:pk>/reply.pdf", views.reply_pdf, name="reply_pdf"),
]
