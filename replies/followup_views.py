"""Commitments (跟踪办理) on the reply page, and the follow-up list of the office and the
departments."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.pagination import BoundedPaginator
from accounts.permissions import role_required

from . import followup, services
from .filters import CommitmentFilter, commitment_rows
from .models import Commitment, Reply
from .views import get_reply_for_user

DEPARTMENT = (Role.CLERK, Role.LEADER)


class CommitmentForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("承诺事项"), max_length=300)
    due = forms.DateField(label=gettext_lazy("完成时限"), widget=forms.DateInput(attrs={"type": "date"}))


def _commitment_for(request, pk):
    """A commitment of a reply the user may see (404 otherwise)."""
    return get_object_or_404(
        Commitment.objects.select_related("reply__assignment__proposal", "reply__department"),
        pk=pk,
        reply__in=Reply.objects.visible_to(request.user),
    )


def _act(request, reply_pk, act, done):
    try:
        act()
    except services.ReplyError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(f"{_reply_url(reply_pk)}#commitments")


def _reply_url(pk):
    return reverse("replies:detail", args=[pk])


@require_POST
@role_required(*DEPARTMENT)
def commitment_add(request, pk):
    reply = get_reply_for_user(request, pk, own=True)
    form = CommitmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写承诺事项和完成时限。"))
        return redirect(f"{_reply_url(reply.pk)}#commitments")
    return _act(
        request, reply.pk, lambda: followup.add(reply, request.user, **form.cleaned_data), _("已添加承诺事项。")
    )


@require_POST
@role_required(*DEPARTMENT)
def commitment_remove(request, pk):
    item = _commitment_for(request, pk)
    return _act(request, item.reply_id, lambda: followup.remove(item, request.user), _("已删除承诺事项。"))


@require_POST
@role_required(*DEPARTMENT)
def commitment_report(request, pk):
    item = _commitment_for(request, pk)
    text = request.POST.get("text", "")[:5000]
    return _act(request, item.reply_id, lambda: followup.report(item, request.user, text=text), _("已报告进展。"))


@require_POST
@role_required(*DEPARTMENT)
def commitment_done(request, pk):
    item = _commitment_for(request, pk)
    note = request.POST.get("text", "")[:5000]
    return _act(
        request,
        item.reply_id,
        lambda: followup.complete(item, request.user, note=note),
        _("已标记完成，代表会收到通知。"),
    )


@role_required(Role.CLERK, Role.LEADER, Role.COORDINATOR)
def followups(request):
    """The year's commitments (with the open ones of earlier years), open or done, filtered
    (replies.filters.CommitmentFilter)."""
    today = timezone.localdate()
    filterset = CommitmentFilter(request.GET, queryset=commitment_rows(request.user), user=request.user, today=today)
    page = BoundedPaginator(filterset.qs, 50).get_page(request.GET.get("page"))
    year = filterset.form.cleaned_data.get("year") or today.year
    return render(
        request, "replies/followups.html", {"page_obj": page, "filter": filterset, "year": year, "today": today}
    )
