"""Similar proposals, so duplicates are noticed while drafting and reviewing (pg_trgm)."""

from django.contrib.postgres.search import TrigramSimilarity
from django.db.models import Q

from accounts.models import Role

from .models import Proposal


def similar_proposals(title, *, user, exclude=None, limit=5):
    """The proposals whose titles are closest to `title`, in this session and past ones,
    through the trigram GIN index on the title (docs/performance.md: comparing whole texts
    costs seconds at national scale, so the suggestions are not compared). `%` matches at
    pg_trgm.similarity_threshold, which the connection sets to 0.5 (config/settings.py):
    关于加强科技成果转化的建议 and 关于促进科技成果转化的建议 score 0.56, titles sharing
    only 关于……的建议 about 0.26.

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
        queryset.filter(title__trigram_similar=title)
        .annotate(similarity=TrigramSimilarity("title", title))
        .select_related("session", "lead_deputy")
        .order_by("-similarity", "-id")[:limit]
    )
