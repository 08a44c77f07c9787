from django.urls import path

from . import assignment_views, calendar_views, dashboard_views, import_views, setup_views, views

app_name = "proposals"

urlpatterns = [
    path("", views.proposal_list, name="list"),
    path("new/", views.proposal_create, name="create"),
    path("new/submit/", views.proposal_create_submit, name="create_submit"),
    path("enter/", views.staff_entry, name="staff_entry"),
    path("extract/", views.extract, name="extract"),
    path("similar/", views.similar, name="similar"),
    path("<int:pk>/", views.proposal_detail, name="detail"),
    path("<int:pk>/edit/", views.proposal_edit, name="edit"),
    path("<int:pk>/edit/submit/", views.proposal_edit_submit, name="edit_submit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/cosigners/invite/", views.invite, name="invite"),
    path("<int:pk>/cosign/confirm/", views.cosign_confirm, name="cosign_confirm"),
    path("<int:pk>/cosign/decline/", views.cosign_decline, name="cosign_decline"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/withdraw/agree/", views.withdraw_agree, name="withdraw_agree"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/delete/", views.attachment_delete, name="attachment_delete"),
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/return/", views.return_for_revision, name="return"),
    path("<int:pk>/not-accept/", views.not_accept, name="not_accept"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    # assignment (交办) and handling
    path("<int:pk>/assign/", assignment_views.assign, name="assign"),
    path("assign/", assignment_views.bulk_assign, name="bulk_assign"),
    path("<int:pk>/key/", assignment_views.key_supervision, name="key_supervision"),
    path("inbox/", assignment_views.inbox, name="inbox"),
    path("assignments/<int:pk>/sign/", assignment_views.sign, name="sign"),
    path("assignments/<int:pk>/reassign/", assignment_views.request_reassignment, name="request_reassignment"),
    path("assignments/<int:pk>/extend/", assignment_views.request_extension, name="request_extension"),
    path("assignments/<int:pk>/chase/", assignment_views.chase, name="chase"),
    path("requests/", assignment_views.request_queue, name="requests"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("requests/<int:pk>/approve/", assignment_views.approve_request, name="approve_request"),
    path("requests/<int:pk>/refuse/", assignment_views.refuse_request, name="refuse_request"),
    # sessions and the category taxonomy (coordinators)
    path("sessions/", setup_views.session_list, name="session_list"),
    path("sessions/new/", setup_views.session_create, name="session_create"),
    path("sessions/<int:pk>/", setup_views.session_edit, name="session_edit"),
    path("categories/", setup_views.category_list, name="category_list"),
    path("categories/<int:pk>/", setup_views.category_edit, name="category_edit"),
    # spreadsheet import (coordinators)
    path("imports/", import_views.import_page, name="import"),
    path("imports/template.xlsx", import_views.template_download, name="import_template"),
    path("imports/<int:pk>/", import_views.batch_detail, name="import_batch"),
    path("imports/<int:pk>/progress/", import_views.batch_progress, name="import_progress"),
    # the working-day calendar (coordinators)
    path("calendar/", calendar_views.calendar_page, name="calendar"),
    path("calendar/day/", calendar_views.calendar_day, name="calendar_day"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar_import"),
]
