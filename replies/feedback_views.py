"""The office's list of deputies' feedback (办理情况意见反馈), filtered by session,
department, satisfaction and result category."""

from django.shortcuts import render

from accounts.models import Role
from accounts.pagination import BoundedPaginator
from accounts.permissions import role_required

from .filters import FeedbackFilter, feedback_rows

PAGE_SIZE = 25


@role_required(Role.COORDINATOR)
def feedback_list(request):
    filterset = FeedbackFilter(request.GET or None, queryset=feedback_rows(request.user), user=request.user)
    page = BoundedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "replies/feedback_list.html", {"page_obj": page, "filter": filterset})
