"""Searching everything a user may open: proposals (title, body, suggestions) and signed
replies (their signed text), through the bigram index of proposals.search.

Both kinds are searched inside the user's own `visible_to` queryset, so a search never
finds, counts or quotes what its user could not open. Two counts and one page of the
chosen kind: three queries whatever the number of hits."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from proposals import search
from proposals.filters import SEARCHED
from proposals.models import Proposal
from replies.models import Reply

PAGE_SIZE = 20
KINDS = ("proposals", "replies")


def proposals_matching(user, query):
    found = search.matching(Proposal.objects.visible_to(user), query, vector="search_vector", fields=SEARCHED)
    return found


def replies_matching(user, query):
    signed = Reply.objects.visible_to(user).filter(signed_version__isnull=False)
    return search.matching(signed, query, vector="search_vector", fields=("search_text",))


@dataclass
class Results:
    query: search.Query
    kind: str
    counts: dict[str, int]
    page: Page


def run(user, query, *, kind="proposals", page_number=None) -> Results:
    kind = kind if kind in KINDS else "proposals"
    counts = {
        "proposals": proposals_matching(user, query).count(),
        "replies": replies_matching(user, query).count(),
    }
    if kind == "proposals":
        rows = search.ranked(proposals_matching(user, query), query, title="title").select_related(
            "session", "lead_deputy__delegation"
        )
    else:
        rows = search.ranked(replies_matching(user, query), query, title="assignment__proposal__title").select_related(
            "assignment__proposal__session", "department"
        )
    paginator = Paginator(rows, PAGE_SIZE)
    paginator.count = counts[kind]  # already counted: no second COUNT(*)
    page = paginator.get_page(page_number)
    for row in page:
        if kind == "proposals":
            row.title_marked = search.highlight(row.title, query, width=200)
            row.excerpt = search.highlight(f"{row.body}\n{row.search_text}", query)
        else:
            proposal = row.assignment.proposal
            row.title_marked = search.highlight(proposal.title, query, width=200)
            row.excerpt = search.highlight(row.search_text, query)
    return Results(query=query, kind=kind, counts=counts, page=page)
