"""The public portal (/public/): published replies, for anyone, signed in or not. Every page
answers the same for everybody and shows only what publication allows (portal.queries)."""

import functools

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from accounts import caching
from accounts.pagination import BoundedPaginator
from proposals.search import highlight
from replies import rendering
from replies.scaffold import Disclosure

from . import queries
from .filters import PublicReplyFilter

PAGE_SIZE = 20
EXCERPT = 80


def same_for_everybody(view):
    """A page is kept PORTAL_CACHE_SECONDS (60) per address, language and day (publication is
    by day) in each process (accounts.caching): every visitor gets the same page, and a search
    counted its matches among 230,000 replies in 30-40 ms at national scale. A reply published
    shows within that time (docs/performance.md)."""

    @functools.wraps(view)
    def page(request, *args, **kwargs):
        if settings.PORTAL_CACHE_SECONDS <= 0:
            return view(request, *args, **kwargs)

        def make():
            response = view(request, *args, **kwargs)
            return response.status_code, response["Content-Type"], response.content

        identity = (request.get_full_path(), get_language(), timezone.localdate())
        kept = caching.cached("portal", identity, make, seconds=settings.PORTAL_CACHE_SECONDS)
        status, content_type, content = kept
        return HttpResponse(content, status=status, content_type=content_type)

    return page


# What the public may read of each disclosure, as the pages say it.
SHOWS = {Disclosure.PUBLIC: "full", Disclosure.SUMMARY: "summary", Disclosure.TITLE_ONLY: "title"}


def _excerpt(reply, query):
    """The bit of public text a row shows: around the search hit in a 公开发布 reply's text,
    the summary of a 摘要公开 reply, nothing of a title-only one."""
    if reply.disclosure == Disclosure.SUMMARY:
        if query:
            return highlight(reply.public_summary, query, width=EXCERPT)
        summary = reply.public_summary
        return summary if len(summary) <= EXCERPT else summary[:EXCERPT] + "…"
    if reply.disclosure == Disclosure.PUBLIC and query:
        return highlight(getattr(reply, "full_text", ""), query, width=EXCERPT)
    return ""


@require_GET
@same_for_everybody
def index(request):
    """Published replies, newest first, with search and filters kept across pages."""
    today = timezone.localdate()
    sessions = list(queries.sessions_with_replies(today))
    filterset = PublicReplyFilter(
        request.GET,
        queryset=queries.published(today),
        sessions=sessions,
        departments=queries.departments_with_replies(today),
    )
    valid = filterset.is_valid()
    query = filterset.form.cleaned_data.get("q") if valid else None
    replies = queries.for_list(filterset.qs if valid else queries.published(today).none(), with_text=bool(query))
    page = BoundedPaginator(replies, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(reply, _excerpt(reply, query)) for reply in page.object_list]
    filtered = any(v for k, v in request.GET.items() if k != "page")
    context = {"filter": filterset, "page_obj": page, "rows": rows, "query": query, "filtered": filtered}
    return render(request, "portal/index.html", context)


@require_GET
@same_for_everybody
def proposal(request, session, number):
    """A proposal's published replies. Of the proposal itself only its title, session,
    number, category and lead deputy's name and delegation. 404 without a published reply."""
    replies = list(queries.for_proposal(session, number, timezone.localdate()))
    if not replies:
        raise Http404
    item = replies[0].assignment.proposal
    return render(request, "portal/proposal.html", {"proposal": item, "replies": replies})


def _published_reply(pk, *, full_text=False):
    replies = queries.for_reply(timezone.localdate())
    if full_text:
        replies = replies.filter(disclosure=Disclosure.PUBLIC)
    reply = replies.filter(pk=pk).first()
    if reply is None:
        raise Http404
    return reply


@require_GET
@same_for_everybody
def reply(request, pk):
    """One published reply: the signed text of a 公开发布 reply, the summary of a 摘要公开
    one, the title of a 仅公开标题 one."""
    item = _published_reply(pk)
    proposal = item.assignment.proposal
    context = {
        "reply": item,
        "proposal": proposal,
        "shows": SHOWS[item.disclosure],
        "categories": dict(map(tuple, proposal.session.result_categories)),
    }
    if item.disclosure == Disclosure.PUBLIC:
        context["doc"] = item.signed_content  # the signed version, never the working draft
    return render(request, "portal/reply.html", context)


@require_GET
def reply_pdf(request, pk):
    """The signed reply as PDF, for 公开发布 replies only."""
    item = _published_reply(pk, full_text=True)
    body = rendering.render(item, "pdf", working=False)
    response = HttpResponse(body, content_type=rendering.FORMATS["pdf"])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=rendering.file_name(item, "pdf")
    )
    return response
