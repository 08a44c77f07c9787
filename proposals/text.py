"""Normalising what people type or paste."""

import re

_BRACKETS = "《》〈〉「」『』\"'“”‘’"
_SPACES = re.compile(r"[ \t\u3000\u00a0]+")


def normalize_space(text: str) -> str:
    """Trim every line, collapse runs of spaces (full-width included), drop blank runs."""
    lines = [_SPACES.sub(" ", line).strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def normalize_title(raw: str) -> str:
    """A proposal title in the form 关于……的建议, stored without 《》 (shown with them).

    Brackets the deputy typed are removed rather than doubled; a title that does not yet
    read 关于……建议 is completed: 加强冰雪旅游宣传 → 关于加强冰雪旅游宣传的建议.
    """
    title = normalize_space(raw).replace("\n", "")
    while title and title[0] in _BRACKETS and title[-1] in _BRACKETS:
        title = title[1:-1].strip()
    title = title.strip(_BRACKETS + " 。.")
    if not title:
        return ""
    if not title.startswith("关于"):
        title = "关于" + title
    if not title.endswith("建议"):
        title += "的建议"
    return title


def plain(value, max_length=None) -> str:
    """Text read straight from a request (not through a form field): NUL bytes removed,
    which PostgreSQL refuses, and cut to `max_length`."""
    text = (value or "").replace("\x00", "")
    return text[:max_length] if max_length else text


def parse_id(value):
    """A primary key from a request, or None: ASCII digits only (str.isdigit() also accepts
    ², which int() refuses) and within a bigint."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
        return int(value)
    return None
