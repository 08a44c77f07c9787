import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection, transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import tasks
from .forms import TestEmailForm
from .models import Role
from .permissions import role_required
from .registry import panels_for

log = logging.getLogger(__name__)


@login_required
def home(request):
    panels = [{"panel": panel, "items": panel.items(request.user)} for panel in panels_for(request.user)]
    return render(request, "home/home.html", {"panels": panels})


@role_required(Role.SYSADMIN)
def test_email(request):
    """Queues a test message, so an operator can prove the mail settings and the worker."""
    form = TestEmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        address = form.cleaned_data["email"]
        transaction.on_commit(lambda: tasks.send_test_email.defer(address=address))
        messages.success(request, _("测试邮件已加入发送队列，请稍后查收。"))
        return redirect("accounts:test_email")
    return render(request, "accounts/test_email.html", {"form": form})


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers; 503 otherwise. For load balancers and compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        log.exception("health check: database unavailable")
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
