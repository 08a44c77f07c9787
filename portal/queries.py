"""The portal's queries: what the public may read of published replies, and nothing more.

Every page reads `replies.publication.published()` (signed replies marked 公开发布, 摘要公开
or 仅公开标题 whose publication day has come) through one of the functions below, each a
fixed number of queries whatever the number of rows. The working draft, the deputy's
contact data and the unpublished text of a summary or title-only reply are never loaded:
they are deferred, so a template that reached for them would cost a query and fail the
query-count tests."""

from django.db.models import Case, F, Q, TextField, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from accounts.models import Department
from proposals import search as text_search
from proposals.models import Session
from proposals.search import Query
from replies.publication import published
from replies.scaffold import Disclosure

# Never needed by a public page; deferred so that no page can show them by accident.
PRIVATE = (
    "content",  # the working draft (a correction in progress)
    "search_text",
    "search_vector",
    "search_document",
    "public_text",
    "public_vector",
    "public_document",
    "correction_reason",
    "signed_by",
    "created_by",
    "assignment__proposal__body",
    "assignment__proposal__search_text",
    "assignment__proposal__search_vector",
    "assignment__proposal__search_document",
    "assignment__proposal__review_message",
    "assignment__proposal__key_note",
    "assignment__proposal__closing_note",
    "assignment__proposal__lead_deputy__phone",
    "assignment__proposal__lead_deputy__address",
    "assignment__proposal__lead_deputy__user",
)
RELATED = (
    "assignment__proposal__session",
    "assignment__proposal__lead_deputy__delegation",
    "assignment__proposal__category__parent",
    "department",
)


REPLY_TITLE = KeyTextTransform("title", "signed_version__content")
SUMMARY = KeyTextTransform("summary", "signed_version__content")


def search(queryset, query: Query):
    """Published replies containing every term of `query` in what the public can read: the
    whole signed text of a 公开发布 reply (Reply.search_vector, whose text holds the
    proposal's title in its opening), only the titles and the summary of the others
    (Reply.public_vector), never their unpublished text. Both conditions are GIN-indexed,
    so PostgreSQL combines two index scans (BitmapOr) instead of reading every reply."""
    in_full = Q(disclosure=Disclosure.PUBLIC) & text_search.condition(
        query, vector="search_vector", document="search_document"
    )
    in_public = text_search.condition(query, vector="public_vector", document="public_document")
    return queryset.filter(in_full | in_public)


def _public_fields(queryset):
    return (
        queryset.select_related(*RELATED)
        .defer(*PRIVATE)
        .annotate(
            public_title=REPLY_TITLE,
            public_summary=Case(
                When(disclosure=Disclosure.SUMMARY, then=Coalesce(SUMMARY, Value(""))),
                default=Value(""),
                output_field=TextField(),
            ),
        )
    )


def for_list(queryset, *, with_text=False):
    """The rows of the list, newest first. `with_text` also loads the signed text of
    公开发布 replies (only theirs), for the excerpt around a search hit."""
    queryset = _public_fields(queryset)
    if with_text:
        queryset = queryset.annotate(
            full_text=Case(
                When(disclosure=Disclosure.PUBLIC, then=F("search_text")), default=Value(""), output_field=TextField()
            )
        )
    return queryset.order_by("-published_on", "-id")


def for_proposal(session_id, number, today=None):
    """The published replies to proposal 第`number`号 of session `session_id`: the lead's
    first, then the others by department, each round in order. One query."""
    return (
        _public_fields(published(today))
        .filter(assignment__proposal__session_id=session_id, assignment__proposal__number=number)
        .order_by("assignment__mode", "department__name", "round", "id")
    )


def for_reply(today=None):
    """A published reply's page: with its signed version, whose content the page shows
    only for a 公开发布 reply."""
    return (
        _public_fields(published(today))
        .select_related("signed_version")
        .defer("signed_version__text", "signed_version__note", "signed_version__saved_by")
    )


def departments_with_replies(today=None):
    return Department.objects.filter(pk__in=published(today).values("department")).order_by("name")


def sessions_with_replies(today=None):
    return Session.objects.filter(pk__in=published(today).values("assignment__proposal__session")).order_by(
        "-opens_on", "-id"
    )
