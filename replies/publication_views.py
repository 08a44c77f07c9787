"""The office's side of publication: release a signed reply to the public portal now, and the
list of replies waiting for their automatic publication day."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.pagination import BoundedPaginator
from accounts.permissions import role_required

from . import publication
from .scaffold import chinese_date
from .views import get_reply_for_user

PAGE_SIZE = 50


@require_POST
@role_required(Role.COORDINATOR)
def publish(request, pk):
    reply = get_reply_for_user(request, pk)
    try:
        publication.release(reply, request.user)
    except publication.PublicationError as error:
        messages.error(request, error.message)
    else:
        day = chinese_date(reply.published_on)
        messages.success(request, _("已在公开平台发布（%(day)s），一分钟内可在公开平台看到。") % {"day": day})
    if request.POST.get("next") == "queue":  # released from the list: back to the list
        return redirect("replies:publication_queue")
    return redirect("replies:detail", pk=reply.pk)


@role_required(Role.COORDINATOR)
def publication_queue(request):
    """Signed replies that the portal will show on a later day: the soonest first."""
    page = BoundedPaginator(publication.awaiting(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "replies/publication_queue.html", {"page_obj": page})
