from django.shortcuts import render

from accounts.models import Role
from accounts.permissions import role_required
from proposals import search as text_search

from . import search

READERS = (Role.DEPUTY, Role.CLERK, Role.LEADER, Role.COORDINATOR)


@role_required(*READERS)
def search_page(request):
    """全文检索: proposals and signed replies the user may open, ranked, hits marked."""
    raw = request.GET.get("q", "")
    context = {"q": raw[: text_search.MAX_QUERY_LENGTH * 2], "error": None, "results": None}
    try:
        query = text_search.parse(raw)
    except text_search.QueryError as exc:
        context["error"] = str(exc)
        query = None
    if query is not None:
        context["results"] = search.run(
            request.user, query, kind=request.GET.get("kind", ""), page_number=request.GET.get("page")
        )
    return render(request, "reports/search.html", context)
