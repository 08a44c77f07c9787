"""Searching everything a user may open: proposals (title, body, suggestions) and signed
replies (their signed text), through the bigram index of proposals.search.

Both kinds are searched inside the user's own `visible_to` queryset, so a search never
finds, counts or quotes what its user could not open. Two counts and one page of the
chosen kind: three queries whatever the number of hits. Counts stop at RANK_LIMIT + 1 and
a broader query shows the newest hits first, so every search does bounded work."""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from proposals import search
from proposals.models import Proposal
from replies.models import Reply

PAGE_SIZE = 20
KINDS = ("proposals", "replies")


def proposals_matching(user, query):
    return search.matching(Proposal.objects.visible_to(user), query, vector="search_vector", document="search_document")


def replies_matching(user, query):
    signed = Reply.objects.visible_to(user).filter(signed_version__isnull=False)
    return search.matching(signed, query, vector="search_vector", document="search_document")


@dataclass
class Results:
    query: search.Query
    kind: str
    counts: dict[str, int]  # counted up to search.RANK_LIMIT + 1
    page: Page

    @property
    def shown_counts(self):
        return {k: f"{search.RANK_LIMIT}+" if n > search.RANK_LIMIT else n for k, n in self.counts.items()}

    @property
    def broad(self):
        """More hits than are ranked: the newest are shown first."""
        return self.counts[self.kind] > search.RANK_LIMIT


def run(user, query, *, kind="proposals", page_number=None) -> Results:
    kind = kind if kind in KINDS else "proposals"
    counts = {
        "proposals": search.count_up_to(proposals_matching(user, query)),
        "replies": search.count_up_to(replies_matching(user, query)),
    }
    rows = proposals_matching(user, query) if kind == "proposals" else replies_matching(user, query)
    if counts[kind] > search.RANK_LIMIT:
        rows = rows.order_by("-pk")
    elif kind == "proposals":
        rows = search.ranked(rows, query, document="search_document", title="title")
    else:
        rows = search.ranked(rows, query, document="search_document")
    if kind == "proposals":
        rows = rows.select_related("session", "lead_deputy__delegation")
    else:
        rows = rows.select_related("assignment__proposal__session", "department")
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
