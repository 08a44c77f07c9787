"""Chinese full-text search: an index of character bigrams, checked by substring.

Chinese has no spaces between words, so a word-based index (a stemmer, or a segmenter such
as jieba) misses words it cut differently: 教育 inside 职业教育改革 is found only if the
segmenter happened to cut there. Instead every text is cut into runs of letters, digits and
CJK characters, and each run into overlapping two-character pieces (教育改革 → 教育 育改
改革) plus its last character alone. The pieces are stored as a `tsvector` (a generated
column computed by the SQL function `jianyi_bigrams`, so every way a row is written keeps
it right) under a GIN index. A query is cut the same way:

- one character 教 → the pieces starting with 教 (`'教':*`), which covers it anywhere;
- two characters 教育 → the piece 教育;
- three or more → all of its pieces (`'教育' & '育改' & '改革'`), then the exact substring
  is checked on the few rows the index returns, so nothing is found that does not contain it.

Every piece of every substring is in the index, so there are no false negatives, and the
check removes false positives. pg_trgm cannot do this: it needs three characters, and which
characters it counts as letters depends on the database's locale (in the C locale it skips
Chinese entirely). Text is compared after NFKC normalisation (full-width ＡＢＣ１２ → ABC12) and
ASCII lower-casing, done identically by Python (for the query) and SQL (for the rows);
neither depends on the database's locale.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db.models import Case, F, FloatField, Func, IntegerField, Q, TextField, Value, When
from django.db.models.functions import Cast
from django.db.models.lookups import GreaterThan
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

# Letters and digits that make up a searchable run: ASCII, Latin-1 and Latin Extended,
# Greek, Cyrillic, kana, CJK (Extension A, the unified block, compatibility, Extensions B–G)
# and Hangul. Everything else (punctuation, spaces, emoji) separates runs.
_RANGES = [
    ("0", "9"),
    ("a", "z"),
    ("\u00c0", "\u024f"),
    ("\u0370", "\u03ff"),
    ("\u0400", "\u04ff"),
    ("\u3040", "\u30ff"),
    ("\u3400", "\u4dbf"),
    ("\u4e00", "\u9fff"),
    ("\uac00", "\ud7af"),
    ("\uf900", "\ufaff"),
    ("\U00020000", "\U0003134f"),
]
WORD_CLASS = "".join(f"{a}-{b}" for a, b in _RANGES)
_SEPARATORS = re.compile(f"[^{WORD_CLASS}]+")
_UPPER, _LOWER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz"
_ASCII_LOWER = str.maketrans(_UPPER, _LOWER)

MAX_QUERY_LENGTH = 100
MAX_TERMS = 8
# Beyond this many hits a query is too broad to rank usefully: the newest come first.
RANK_LIMIT = 1000


def normalize(text: str) -> str:
    """What `jianyi_norm` does in SQL: NFKC, then ASCII lower case."""
    return unicodedata.normalize("NFKC", text).translate(_ASCII_LOWER)


# The SQL functions, created by migration proposals.0009. Both are IMMUTABLE, so they can
# compute a generated column; `jianyi_bigrams` takes a run's substr(run, i, 2) for every
# position i, which gives each bigram and, at the last position, the last character alone.
# `jianyi_bigrams` keeps the search_path it was created with (SET search_path FROM CURRENT):
# pg_restore loads rows with an empty search_path, and computing the generated columns then
# must still find jianyi_norm (proposals migration 0012; tests/test_backup.py).
SQL_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION jianyi_norm(t text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT translate(normalize(t, NFKC), '{_UPPER}', '{_LOWER}')
$$;
CREATE OR REPLACE FUNCTION jianyi_bigrams(t text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path FROM CURRENT AS $$
  SELECT array_to_tsvector(coalesce(array_agg(DISTINCT substr(run, i, 2)), '{{}}'))
  FROM regexp_split_to_table(jianyi_norm(t), '[^{WORD_CLASS}]+') AS run,
       generate_series(1, length(run)) AS i
  WHERE run <> ''
$$;
"""  # noqa: S608 — built from the constants above only  # nosec B608
DROP_SQL_FUNCTIONS = "DROP FUNCTION IF EXISTS jianyi_bigrams(text); DROP FUNCTION IF EXISTS jianyi_norm(text);"


class SearchDocument(Func):
    """The bigram vector of several text columns joined by spaces (`||` keeps it immutable,
    which CONCAT() is not)."""

    function = "jianyi_bigrams"
    arg_joiner = " || ' ' || "

    def __init__(self, *fields, **extra):
        super().__init__(*[F(f) for f in fields], output_field=SearchVectorField(), **extra)


class NormalizedDocument(SearchDocument):
    """The same columns normalized (jianyi_norm), stored so that confirming a long term and
    counting occurrences never normalize rows at query time (NFKC costs about a
    millisecond per proposal)."""

    function = "jianyi_norm"

    def __init__(self, *fields, **extra):
        Func.__init__(self, *[F(f) for f in fields], output_field=TextField(), **extra)


class PiecesQuery(SearchQuery):
    """A tsquery written out piece by piece and cast, never parsed by to_tsquery(): the
    text search parser's idea of a word depends on the database's locale."""

    template = "%(expressions)s::tsquery"

    def __init__(self, value):
        super().__init__(value, search_type="raw")


class QueryError(ValueError):
    """A query that cannot be searched, with the message to show."""


@dataclass(frozen=True)
class Query:
    text: str  # as typed, trimmed
    terms: tuple[str, ...]  # normalized runs, each searched as a substring

    @property
    def tsquery(self) -> str:
        pieces = []
        for term in self.terms:
            if len(term) == 1:
                pieces.append(f"'{term}':*")
            else:
                pieces.extend(f"'{term[i : i + 2]}'" for i in range(len(term) - 1))
        return " & ".join(dict.fromkeys(pieces))


def parse(raw: str) -> Query | None:
    """The query's searchable terms, or None for an empty query. Raises QueryError with a
    Chinese message for a query that is too long or has nothing searchable in it (only
    punctuation, symbols or emoji)."""
    text = (raw or "").replace("\x00", "").strip()
    if not text:
        return None
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(_("搜索词太长，请控制在%(n)s个字以内。") % {"n": MAX_QUERY_LENGTH})
    terms = tuple(dict.fromkeys(t for t in _SEPARATORS.split(normalize(text)) if t))
    if not terms:
        raise QueryError(_("搜索词中没有可搜索的文字或数字，请换个词试试。"))
    if len(terms) > MAX_TERMS:
        raise QueryError(_("搜索词最多%(n)s个，请用空格分隔更少的词。") % {"n": MAX_TERMS})
    return Query(text=text, terms=terms)


def _strpos(text, term):
    return Func(text, Value(term), function="strpos", output_field=IntegerField())


def condition(query: Query, *, vector: str, document: str) -> Q:
    """Contains every term. The GIN index on `vector` finds the rows holding all of a
    query's pieces; that is exact for terms of one or two characters, and for longer terms
    strpos() on the stored normalized `document` confirms the substring."""
    found = Q(**{vector: PiecesQuery(query.tsquery)})
    for term in query.terms:
        if len(term) > 2:
            found &= Q(GreaterThan(_strpos(F(document), term), 0))
    return found


def matching(queryset, query: Query, *, vector: str, document: str):
    return queryset.filter(condition(query, vector=vector, document=document))


def count_up_to(queryset) -> int:
    """The number of rows, counting no further than RANK_LIMIT + 1: a query matching most of
    100,000 texts costs no more than one matching a thousand."""
    return queryset[: RANK_LIMIT + 1].count()


def ranked(queryset, query: Query, *, document: str, title: str | None = None):
    """`matching` rows by relevance: every term in the title first, then the number of
    occurrences in the whole text, then the newest. Every matching row is scored, so this is
    for result sets of at most RANK_LIMIT rows (see count_up_to)."""
    length = Func(F(document), function="length")
    occurrences = sum(
        (
            Cast(
                length - Func(Func(F(document), Value(term), Value(""), function="replace"), function="length"),
                FloatField(),
            )
            / len(term)
            for term in query.terms
        ),
        Value(0.0),
    )
    score = occurrences
    if title:
        in_title = Q()
        for i, term in enumerate(query.terms):
            queryset = queryset.alias(**{f"_title{i}": _strpos(Func(F(title), function="jianyi_norm"), term)})
            in_title &= Q(**{f"_title{i}__gt": 0})
        score = Case(When(in_title, then=Value(1000.0)), default=Value(0.0), output_field=FloatField()) + occurrences
    return queryset.annotate(search_rank=score).order_by("-search_rank", "-pk")


def highlight(text: str, query: Query, *, width: int = 60) -> str:
    """An excerpt of `text` around the first hit, with every hit marked (HTML-safe)."""
    if not text:
        return ""
    # Normalised character by character, remembering where each normalised character came
    # from: NFKC changes lengths (…→..., ﬁ→fi), and the marks belong on the original text.
    pieces = [normalize(c) for c in text]
    norm = "".join(pieces)
    origin = [i for i, piece in enumerate(pieces) for _ in piece]
    hits = []
    for term in query.terms:
        start = norm.find(term)
        while start != -1:
            stop = start + len(term)
            hits.append((origin[start], origin[stop - 1] + 1))
            start = norm.find(term, stop)
    hits.sort()
    first = hits[0][0] if hits else 0
    begin = max(0, first - width // 3)
    end = min(len(text), begin + width)
    merged = []
    for start, stop in hits:
        if stop <= begin or start >= end:
            continue
        start, stop = max(start, begin), min(stop, end)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    out, cursor = [], begin
    for start, stop in merged:
        out.append(escape(text[cursor:start]))
        out.append(f"<mark>{escape(text[start:stop])}</mark>")
        cursor = stop
    out.append(escape(text[cursor:end]))
    prefix = "…" if begin > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(out).replace("\n", " ") + suffix)  # noqa: S308 - every piece escaped above  # nosec B308 B703
