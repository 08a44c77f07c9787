from django.urls import path

from . import archive_views, import_views, setup_views, views

app_name = "replies"

urlpatterns = [
    path("", views.reply_list, name="list"),
    path("start/<int:pk>/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/save/", views.save, name="save"),
    path("<int:pk>/preview/", views.preview, name="preview"),
    path("<int:pk>/presence/", views.presence, name="presence"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/return/", views.return_for_revision, name="return"),
    path("<int:pk>/sign/", views.sign, name="sign"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/feedback/", views.give_feedback, name="feedback"),
    path("<int:pk>/rehandle/", views.rehandle, name="rehandle"),
    path("<int:pk>/rehandle/decline/", views.decline_rehandling, name="decline_rehandling"),
    path("rehandling/", views.rehandling_queue, name="rehandling_queue"),
    path("<int:pk>/versions/", views.versions, name="versions"),
    path("<int:pk>/diff/", views.diff, name="diff"),
    path("<int:pk>/reply.pdf", views.document, {"fmt": "pdf"}, name="pdf"),
    path("<int:pk>/reply.docx", views.document, {"fmt": "docx"}, name="docx"),
    path("<int:pk>/print/", views.document, {"fmt": "html"}, name="print"),
    *[path(f"<int:pk>/sections/{op}/", views.section_op, {"op": op}, name=f"section_{op}") for op in views.SECTION_OPS],
    path("opinions/<int:pk>/waive/", views.waive, name="waive"),
    path("snippets/", setup_views.snippets, name="snippets"),
    path("snippets/<int:pk>/", setup_views.snippet_edit, name="snippet_edit"),
    path("snippets/<int:pk>/delete/", setup_views.snippet_delete, name="snippet_delete"),
    path("settings/", setup_views.reply_settings, name="settings"),
    path("series/", setup_views.series_list, name="series"),
    path("series/<int:pk>/", setup_views.series_edit, name="series_edit"),
    path("import/", import_views.import_reply, name="import"),
    path("import/save/", import_views.import_save, name="import_save"),
    path("archives/", archive_views.archives, name="archives"),
    path("archives/<int:pk>/", archive_views.archive_detail, name="archive"),
    path("archives/<int:pk>/progress/", archive_views.archive_progress, name="archive_progress"),
    path("archives/<int:pk>/download/", archive_views.archive_download, name="archive_download"),
]
