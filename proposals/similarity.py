"""Similar proposals, so duplicates are noticed while drafting and reviewing (pg_trgm)."""

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Q
from django.db.models.functions import Greatest

from accounts.models import Role

from .models import Proposal


def similar_proposals(title, text, *, user, exclude=None, limit=5):
    """The proposals closest to `title` and `text` (title and suggestions), in this session
    and past ones. The `%` lookups use the trigram GIN indexes; the similarity orders them.

    A coordinator compares with everything submitted. A deputy sees registered (numbered)
    proposals, whatever happened to them since (titles are public once numbered), and their
    own; never others' drafts or pending proposals."""
    if not title:
        return []
    queryset = Proposal.objects.exclude(status=Proposal.Status.DRAFT)
    if user.role != Role.COORDINATOR:
        queryset = queryset.filter(Q(number__isnull=False) | Q(lead_deputy__user=user))
    if exclude:
        queryset = queryset.exclude(pk=exclude)
    return list(
        queryset.filter(Q(title__trigram_similar=title) | Q(search_text__trigram_similar=text or title))
        .annotate(
            similarity=Greatest(TrigramSimilarity("title", title), TrigramSimilarity("search_text", text or title))
        )
        .select_related("session", "lead_deputy")
        .order_by("-similarity", "-id")[:limit]
    )
