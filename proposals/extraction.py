"""Splitting a proposal's pasted text into its numbered suggestions.

Deputies paste the whole body of a proposal; its concrete suggestions are the items of a
numbered list, usually after a phrase such as "为此建议：" or under a section "二、对策建议".
Pure standard library so the reply drafting code and management commands can use it
without Django.
"""

import re
from bisect import bisect_right
from typing import NamedTuple

__all__ = ["chinese_numeral", "extract_suggestions", "parse_chinese_numeral"]

_DIGITS = "一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九; only 1..99, the numbering range of documents."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"expected an int, got {type(n).__name__}")
    if not 1 <= n <= 99:
        raise ValueError(f"{n} is outside 1..99")
    tens, units = divmod(n, 10)
    # Documents write 十一, not 一十一, and 二十, not 二十零.
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens - 1] + "十")
    return head + (_DIGITS[units - 1] if units else "")


_NUMERAL_VALUES = {chinese_numeral(n): n for n in range(1, 100)}


def parse_chinese_numeral(s: str) -> int | None:
    """The inverse of chinese_numeral: the value of one of its 99 spellings, otherwise None.

    Only those exact spellings, so a stray run of numeral characters such as 十十 or 一一
    (which occurs inside ordinary words) is not mistaken for a number."""
    return _NUMERAL_VALUES.get(s) if isinstance(s, str) else None


# The characters str.splitlines() breaks on, so "line start" means what Python means by a line.
_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK = re.compile(f"[{_BREAKS}]")
_LINE = re.compile(f"[^{_BREAKS}]+")
# A marker must be followed by text on its own line: "一、" alone on a line, or at the very end,
# numbers nothing.
_TEXT_FOLLOWS = rf"(?=[^\S{_BREAKS}]*\S)"
_CN = "[一二三四五六七八九十]{1,3}"
_AR = "[0-9０-９]{1,3}"

# One pattern per marker style; full- and half-width variants of a style count as the same style
# because deputies mix them within one list. `(?<!\w)` keeps numerals inside words (统一、规范,
# 唯一是, 全国第一，) and the tail of longer numbers (2023.) from being read as markers; three digits
# at most keeps years out entirely.
_STYLES = {
    "一、": re.compile(rf"(?<!\w)(?P<num>{_CN})[、.．]{_TEXT_FOLLOWS}"),
    "（一）": re.compile(rf"[（(](?P<num>{_CN})[）)]{_TEXT_FOLLOWS}"),
    "一是": re.compile(rf"(?<!\w)(?P<num>{_CN})是{_TEXT_FOLLOWS}"),
    "第一，": re.compile(rf"(?<!\w)第(?P<num>{_CN})[，,、：:]{_TEXT_FOLLOWS}"),
    # Not followed by a digit (3.5亿) nor preceded by a dot (version numbers such as 1.2.3).
    "1.": re.compile(rf"(?<![\w.．])(?P<num>{_AR})[.．、](?![0-9０-９]){_TEXT_FOLLOWS}"),
    # The lookbehind leaves "(1)" to the parenthesised style.
    "1)": re.compile(rf"(?<![\w(（])(?P<num>{_AR})[)）]{_TEXT_FOLLOWS}"),
    "（1）": re.compile(rf"[（(](?P<num>{_AR})[）)]{_TEXT_FOLLOWS}"),
}

# Phrases that announce the suggestions anywhere in a sentence ("为此，建议：一是…").
_HEADING_PHRASE = re.compile(
    r"建议如下|建议[：:]"
    r"|(?:如下|以下|下列|几点|[两二三四五六七八九十]+[点条])建议"
    r"|(?:为此|因此|对此|据此|故此|特此)[，,]?(?:特|现)?(?:提出)?(?:如下)?建议"
)
# A line that is nothing but a section title such as "二、对策建议" or "几点建议：". The prefix list is
# closed on purpose: section titles like "一、关于人才引进的建议" name one suggestion, not the list.
_HEADING_LINE = re.compile(
    r"(?:[（(]?(?:[一二三四五六七八九十]{1,3}|[0-9０-９]{1,3})[)）、.．]?\s*)?"
    r"(?:(?:对策|意见|措施|问题|几点|相关|具体|主要|工作|政策)[及与和、]?){0,2}"
    r"建议(?:如下)?[：:。]?"
)


class _Marker(NamedTuple):
    start: int
    end: int
    value: int
    at_line_start: bool


class _Run(NamedTuple):
    markers: tuple[_Marker, ...]

    @property
    def start(self) -> int:
        return self.markers[0].start

    @property
    def line_starts(self) -> int:
        return sum(m.at_line_start for m in self.markers)


def extract_suggestions(text: str) -> list[str]:
    """The suggestions of a proposal's text, in order, without their number markers.

    The suggestions are the items of the best numbered list in the text: runs of markers of one
    style numbered 1, 2, 3 … in order. If a heading announces the suggestions ("为此建议：",
    "建议如下", a section titled "二、对策建议" …), the first list that starts after the last such
    heading followed by a list wins, which picks the outer list when lists nest. Otherwise the list with most markers
    at the start of a line wins, then the longest. Each item runs up to the next marker of its list,
    so sub-points and later lines stay in it; the last item runs to the end of the text. A number
    that does not continue the run (a skipped number, a year, 3.5亿) stays in the text of the
    current item.

    Without a list of at least two items the whole text is one suggestion; blank text has none.

    Invariant: every non-whitespace character from the first marker of the chosen list to the end
    of the text appears in the result, in order, except the characters of that list's markers
    ("一、", "（二）", "3.", "四是", "第五，"). Nothing is rewritten, so separators like the "；" that
    ends "一是加强…；" stay at the end of their item.
    """
    if not text or text.isspace():
        return []
    markers = _find_list(text)
    if markers is None:
        return [text.strip()]
    ends = [m.start for m in markers[1:]] + [len(text)]
    return [text[m.end : end].strip() for m, end in zip(markers, ends, strict=True)]


def _find_list(text: str) -> tuple[_Marker, ...] | None:
    """The markers of the chosen list, or None when the text has no list of two or more items."""
    runs = _runs(text)
    if not runs:
        return None
    for heading_end in reversed(_heading_ends(text)):
        after = [run for run in runs if run.start >= heading_end]
        if after:
            # Ties share a first marker: the variant that skipped fewer line-start markers wins.
            return min(after, key=lambda r: (r.start, -r.line_starts, -len(r.markers))).markers
    return max(runs, key=lambda r: (r.line_starts, len(r.markers), -r.start)).markers


def _runs(text: str) -> list[_Run]:
    line_breaks = [m.end() for m in _BREAK.finditer(text)]

    def at_line_start(pos: int) -> bool:
        i = bisect_right(line_breaks, pos)
        line_start = line_breaks[i - 1] if i else 0
        return text[line_start:pos].strip() == ""

    runs: set[_Run] = set()
    for pattern in _STYLES.values():
        markers = []
        for match in pattern.finditer(text):
            num = match["num"]
            value = int(num) if num[0] not in "一二三四五六七八九十" else parse_chinese_numeral(num)
            if value is not None:
                markers.append(_Marker(match.start(), match.end(), value, at_line_start(match.start())))
        # Markers at the start of a line, on their own, survive look-alikes inside the items' text
        # (an inline "（1）" would otherwise restart the list); all markers together find inline lists.
        runs.update(_consecutive_runs(text, [m for m in markers if m.at_line_start]))
        runs.update(_consecutive_runs(text, markers))
    return list(runs)


def _consecutive_runs(text: str, markers: list[_Marker]) -> list[_Run]:
    runs = []
    current: list[_Marker] = []
    for marker in markers:
        if marker.value == 1:
            # A new "1" begins another list (the next section's sub-points), never continues this one.
            if len(current) >= 2:
                runs.append(_Run(tuple(current)))
            current = [marker]
        elif current and marker.value == current[-1].value + 1 and text[current[-1].end : marker.start].strip():
            current.append(marker)
    if len(current) >= 2:
        runs.append(_Run(tuple(current)))
    return runs


def _heading_ends(text: str) -> list[int]:
    ends = [m.end() for m in _HEADING_PHRASE.finditer(text)]
    ends += [line.end() for line in _LINE.finditer(text) if _HEADING_LINE.fullmatch(line[0].strip())]
    return sorted(ends)
