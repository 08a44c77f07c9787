"""The benchmark's arithmetic and its report: pages and budgets, percentiles, the capacity search,
the results table and the comparison with an earlier result. Standard library only, no I/O
besides what callers pass in, so tests/test_bench.py checks it without a server."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass

# --- the key pages and their budgets (issue 10, item 3) --------------------------------------


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    kind: str  # "list", "page" or "statistics"
    role: str  # whose session drives it in the capacity phase ("public": anonymous)

    @property
    def p95_budget_ms(self) -> float:
        return {"list": 100.0, "statistics": 500.0}.get(self.kind, 150.0)

    @property
    def capacity_budget_rps(self) -> float | None:
        return 100.0 if self.kind == "list" else None


PAGES = (
    Page("proposal_list", "proposal list, coordinator (unfiltered)", "list", "coordinator"),
    Page("proposal_list_filtered", "proposal list, coordinator (session + status)", "list", "coordinator"),
    Page("dashboard", "dashboard, coordinator", "page", "coordinator"),
    Page("statistics", "statistics, coordinator", "statistics", "coordinator"),
    Page("inbox", "department inbox, clerk", "list", "clerk"),
    Page("reply_editor", "reply editor, clerk (a draft)", "page", "clerk"),
    Page("proposal_detail", "proposal detail (all roles)", "page", "coordinator"),
    Page("deputy_home", "deputy home", "page", "deputy"),
    Page("portal_search", "public portal search, anonymous", "list", "public"),
)
PAGE_BY_KEY = {page.key: page for page in PAGES}
LIST_PAGES = tuple(page for page in PAGES if page.kind == "list")
# Django admin's changelist for proposals with the same page size and filter as
# proposal_list_filtered (bench.admin); measured for ratio (b) only.
ADMIN_CHANGELIST = "admin_changelist"

CAPACITY_P95_MS = 250.0
RATIO_A_MAX = 8.0
RATIO_B_MAX = 0.5
# The background jobs of bench/jobs.py: (key, label, budget in seconds).
JOBS = (
    ("reminders", "daily reminders over all open assignments", 10),
    ("import", "importing 10,000 proposals from a spreadsheet", 60),
    ("bulk_assign", "bulk assignment of 5,000 proposals", 30),
)


# --- percentiles and summaries -----------------------------------------------------------------


def percentile(values, p: float) -> float | None:
    """The p-th percentile (0–100) with linear interpolation between closest ranks (numpy's
    default, "linear"); None for no values."""
    data = sorted(values)
    if not data:
        return None
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, not {p}")
    rank = (len(data) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return data[low] + (data[high] - data[low]) * (rank - low)


def median(values) -> float | None:
    return percentile(values, 50)


@dataclass
class Summary:
    n: int
    errors: int
    p50: float | None
    p95: float | None
    p99: float | None
    rps: float
    queries_median: float | None
    queries_max: int | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def summarise(records, duration_s: float) -> Summary:
    """records: dicts with `ms` (latency), `ok` and `q` (the X-Bench-Queries count or None).
    Latency percentiles are over every request, failed ones included (a fast error is still an
    answer the user waited for); the rate is requests per second over `duration_s`."""
    records = list(records)
    latencies = [r["ms"] for r in records]
    queries = [r["q"] for r in records if r.get("q") is not None]
    return Summary(
        n=len(records),
        errors=sum(1 for r in records if not r["ok"]),
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
        rps=len(records) / duration_s if duration_s > 0 else 0.0,
        queries_median=median(queries),
        queries_max=max(queries) if queries else None,
    )


def window(records, start: float, end: float, **match):
    """The records of requests that started within [start, end) and match every given field."""
    return [r for r in records if start <= r["t"] < end and all(r.get(k) == v for k, v in match.items())]


# --- the capacity search --------------------------------------------------------------------------


def step_passes(summary: Summary, target_rps: float, *, limit_ms: float = CAPACITY_P95_MS) -> bool:
    """A load step holds when p95 stays under the limit, nothing failed, and the server kept up
    (served at least 85% of the requested rate: below that, requests are queueing)."""
    return (
        summary.n > 0
        and summary.errors == 0
        and summary.p95 is not None
        and summary.p95 < limit_ms
        and summary.rps >= 0.85 * target_rps
    )


def start_rate(alone_median_ms: float | None, cores: int, default: float, ceiling: float = 40.0) -> float:
    """Where to start a page's capacity search: a quarter of what the cores could serve if each
    request took the page's median time alone, between 1 and `ceiling` (`default` when the page
    was not measured alone). Starting near the answer keeps the search to a few steps."""
    if not alone_median_ms:
        return default
    return max(1.0, min(ceiling, round(0.25 * cores * 1000 / alone_median_ms, 1)))


def next_rate(rate: float, factor: float, max_rate: float) -> float | None:
    following = round(rate * factor, 1)
    return following if following <= max_rate else None


@dataclass
class Capacity:
    """The highest measured rate (requests served per second) whose step held; `below` when even
    the first step failed (the capacity is under its rate), `at_least` when the last step still
    held (the search stopped at its ceiling)."""

    rps: float | None
    first_rate: float
    below: bool = False
    at_least: bool = False
    # set when the page was not stepped at all: one request at a time already took this long (p95)
    alone_p95: float | None = None

    def text(self) -> str:
        if self.alone_p95 is not None:
            return f"none (alone p95 {self.alone_p95:.0f} ms)"
        if self.below:
            return f"< {self.first_rate:g}"
        prefix = "≥ " if self.at_least else ""
        return f"{prefix}{self.rps:.0f}"

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def capacity_of(steps) -> Capacity:
    """steps: (target rate, Summary, held) in the order they ran (up until one fails; down from
    the first when that one failed already)."""
    steps = list(steps)
    if not steps:
        raise ValueError("no capacity steps")
    held = [(target, summary) for target, summary, ok in steps if ok]
    lowest = min(target for target, _, _ in steps)
    if not held:
        return Capacity(rps=None, first_rate=lowest, below=True)
    best = max(summary.rps for _, summary in held)
    *_, highest_held = max(steps, key=lambda step: step[0])
    return Capacity(rps=best, first_rate=lowest, at_least=highest_held)


def next_step(history, factor: float, max_rate: float, min_rate: float) -> float | None:
    """The rate of the next capacity step, from (rate, held) of the steps so far: up by `factor`
    while they hold; when the very first fails, down by `factor` until one holds (or below
    `min_rate`); None when the search is over."""
    rate, held = history[-1]
    if all(not ok for _, ok in history):
        lower = round(rate / factor, 2)
        return lower if lower >= min_rate else None
    if not held:
        return None
    following = next_rate(rate, factor, max_rate)
    failed = [r for r, ok in history if not ok]
    return None if following is None or any(r <= following for r in failed) else following


# --- ratios -----------------------------------------------------------------------------------------


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


ROWS_QUERY = re.compile(r"\bLIMIT\s+(\d+)", re.IGNORECASE)


def pick_rows_query(queries, table: str, page_size: int) -> str:
    """Of the SQL a page ran, the statement that fetches its rows: the last SELECT from `table`
    (a quoted name) with a LIMIT of at most the page size (a first page shorter than the page
    size is fetched with LIMIT <count>). Raises LookupError when there is none."""
    quoted = f'FROM "{table}"'
    for sql in reversed(queries):
        if not sql or not sql.lstrip().upper().startswith("SELECT") or quoted not in sql:
            continue
        limits = [int(n) for n in ROWS_QUERY.findall(sql)]
        if limits and limits[-1] <= page_size:
            return sql
    raise LookupError(f"none of the {len(queries)} statements reads {table} with LIMIT {page_size} or less")


DECLARE = re.compile(r"^\s*DECLARE\s+\S+\s+(?:NO\s+)?(?:SCROLL\s+)?CURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?FOR\s+", re.I)
WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "ALTER", "CREATE", "DROP", "COPY", "GRANT", "LOCK")


def replayable(sql: str | None) -> str | None:
    """A captured statement as it can be run again to time it: the query inside a server-side
    cursor's DECLARE (Django's .iterator()), and nothing that writes."""
    if not sql:
        return None
    sql = DECLARE.sub("", sql, count=1)
    return None if sql.lstrip().upper().startswith(WRITES) else sql


# --- the report -------------------------------------------------------------------------------------

DATA_MARK = "bench-data"


def _ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _top_level_from(text: str) -> int:
    """Where the outermost statement's FROM starts (not a subquery's in the column list); -1."""
    depth, quoted = 0, None
    for i, ch in enumerate(text):
        if quoted:
            quoted = None if ch == quoted else quoted
        elif ch in "'\"":
            quoted = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and text.startswith(" FROM ", i):
            return i
    return -1


def gist(sql: str, width: int = 220) -> str:
    """A statement shortened for the report: its column list elided, FROM onwards kept."""
    text = " ".join(sql.split())
    at = _top_level_from(text)
    if at > 60 and text.upper().startswith("SELECT"):
        text = "SELECT …" + text[at:]
    return text if len(text) <= width else text[: width - 1] + "…"


def _mark(ok: bool | None) -> str:
    return {True: "✅", False: "❌", None: ""}[ok]


def _queries(row: dict) -> str:
    q50, qmax = row.get("queries_median"), row.get("queries_max")
    if q50 is None:
        return "—"
    return f"{q50:g}" if qmax is None or qmax == q50 else f"{q50:g} (max {qmax})"


def _mb(kb: float | None) -> str:
    return "—" if kb is None else f"{kb / 1024:.0f}"


def page_verdicts(result: dict, page: Page) -> dict:
    """Pass (True), fail (False) or not measured (None) for each budget of a page."""
    row = result.get("realistic", {}).get(page.key) or {}
    cap = result.get("capacity", {}).get(page.key) or {}
    p95 = row.get("p95")
    verdict = {
        "p95": None if p95 is None else p95 <= page.p95_budget_ms,
        "errors": None if not row else row.get("errors", 0) == 0,
        "capacity": None,
    }
    if page.capacity_budget_rps is not None and cap:
        verdict["capacity"] = (not cap.get("below")) and (cap.get("rps") or 0) >= page.capacity_budget_rps
    return verdict


def render(result: dict) -> str:
    """The results as Markdown: a heading with the conditions, the page table, the ratios, and
    the figures again as JSON in a comment, for --compare."""
    meta = result["meta"]
    lines = [
        f"# Benchmark {meta.get('date', '')}",
        "",
        f"- data: {meta.get('data', '')}; the database holds {meta.get('held', '?')}",
        f"- machine: {meta.get('machine', '')}",
        f"- app server: {meta.get('server', '')}",
        f"- load generator: {meta.get('load', '')}",
        f"- commit: {meta.get('commit', '')}",
        f"- phases: {meta.get('phases', '')}",
    ]
    lines += [f"- note: {note}" for note in meta.get("notes", [])]
    lines += [
        "",
        "## Pages",
        "",
        "Realistic load (latency in ms; req/s is that page's share of the load); capacity is the "
        f"highest rate, requests served per second, at which the page alone keeps p95 under "
        f"{CAPACITY_P95_MS:.0f} ms; memory is the largest resident size of a worker while that "
        "page's capacity steps ran.",
        "",
        "| page | p50 | p95 | p95 budget | p99 | req/s | errors | queries/req | capacity req/s | capacity budget "
        "| worker MB |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for page in PAGES:
        row = result.get("realistic", {}).get(page.key) or {}
        cap = result.get("capacity", {}).get(page.key) or {}
        verdict = page_verdicts(result, page)
        fields = ("rps", "first_rate", "below", "at_least", "alone_p95")
        cap_text = Capacity(**{k: cap[k] for k in fields if k in cap}).text() if cap else "—"
        cap_budget = "—"
        if page.capacity_budget_rps is not None:
            cap_budget = f"≥ {page.capacity_budget_rps:.0f} {_mark(verdict['capacity'])}"
        errors = row.get("errors")
        lines.append(
            f"| {page.label} | {_ms(row.get('p50'))} | {_ms(row.get('p95'))} "
            f"| ≤ {page.p95_budget_ms:.0f} {_mark(verdict['p95'])} | {_ms(row.get('p99'))} "
            f"| {row.get('rps', 0):.1f} | {'—' if errors is None else errors} {_mark(verdict['errors'])} "
            f"| {_queries(row)} | {cap_text} | {cap_budget} | {_mb(cap.get('peak_rss_kb'))} |"
        )
    total = result.get("realistic_total") or {}
    if total:
        lines += [
            "",
            f"Realistic load in all: {total.get('n', 0)} requests, {total.get('rps', 0):.1f} req/s, "
            f"{total.get('errors', 0)} errors, p95 {_ms(total.get('p95'))} ms.",
        ]
    lines += ["", "## Ratios", "", "Each page requested alone, one request at a time (medians in ms).", ""]
    lines += [
        "| list page | page median | raw SQL median (the floor) | ratio (a) | budget |",
        "|---|---:|---:|---:|---|",
    ]
    for page in LIST_PAGES:
        item = result.get("ratio_a", {}).get(page.key) or {}
        value = item.get("ratio")
        ok = None if value is None else value <= RATIO_A_MAX
        lines.append(
            f"| {page.label} | {_ms(item.get('page_ms'))} | {_ms(item.get('sql_ms'))} "
            f"| {'—' if value is None else f'{value:.1f}'} | ≤ {RATIO_A_MAX:g} {_mark(ok)} |"
        )
    item = result.get("ratio_b") or {}
    value = item.get("ratio")
    ok = None if value is None else value <= RATIO_B_MAX
    lines += [
        "",
        "| comparison | proposal list median | admin changelist median | ratio (b) | budget |",
        "|---|---:|---:|---:|---|",
        f"| proposal list (session + status) / Django admin changelist, 25 a page, same filter "
        f"| {_ms(item.get('page_ms'))} | {_ms(item.get('admin_ms'))} | {'—' if value is None else f'{value:.2f}'} "
        f"| ≤ {RATIO_B_MAX:g} {_mark(ok)} |",
    ]
    if result.get("jobs"):
        lines += [
            "",
            "## Background work",
            "",
            "Each job run once on the bench database inside a transaction that is then rolled back "
            "(bench/jobs.py), while the app server is idle.",
            "",
            "| job | seconds | budget | what |",
            "|---|---:|---|---|",
        ]
        for key, label, budget in JOBS:
            job = result["jobs"].get(key) or {}
            seconds = job.get("seconds")
            ok = None if seconds is None else seconds <= budget
            shown = "—" if seconds is None else f"{seconds:.1f}"
            lines.append(f"| {label} | {shown} | ≤ {budget} {_mark(ok)} | {job.get('what', '')} |")
    memory = result.get("memory") or {}
    if memory:
        peaks = ", ".join(_mb(kb) for kb in memory.get("vmhwm_kb", []))
        lines += ["", f"Peak memory (VmHWM) of each worker at the end, MB: {peaks}."]
    for title, key in (("Errors", "error_samples"), ("Findings", "findings")):
        if result.get(key):
            lines += ["", f"## {title}", "", *[f"- {item}" for item in result[key]]]
    lines += ["", f"<!-- {DATA_MARK}", json.dumps(_data_only(result), ensure_ascii=False, indent=1), "-->", ""]
    return "\n".join(lines)


def _data_only(result: dict) -> dict:
    keys = ("meta", "realistic", "realistic_total", "capacity", "ratio_a", "ratio_b", "jobs", "memory")
    return {key: result[key] for key in keys if key in result}


def parse(markdown: str) -> dict:
    """The figures embedded by render(); ValueError when the text holds none."""
    match = re.search(rf"<!-- {DATA_MARK}\n(.*?)\n-->", markdown, re.DOTALL)
    if not match:
        raise ValueError("not a benchmark result: no bench-data block")
    return json.loads(match.group(1))


def _delta(old: float | None, new: float | None, *, unit: str = "", digits: int = 0) -> str:
    if old is None or new is None:
        return "—"
    change = new - old
    pct = f" ({change / old:+.0%})" if old else ""
    return f"{old:.{digits}f} → {new:.{digits}f}{unit}{pct}"


def compare(old: dict, new: dict) -> str:
    """Markdown: each page's p95 and capacity, and the ratios, before → after."""
    lines = [
        f"## Compared with {old.get('meta', {}).get('date', '?')} ({old.get('meta', {}).get('data', '?')})",
        "",
        "| page | p95 ms | capacity req/s | queries/req |",
        "|---|---|---|---|",
    ]
    for page in PAGES:
        before = old.get("realistic", {}).get(page.key) or {}
        after = new.get("realistic", {}).get(page.key) or {}
        cap_before = old.get("capacity", {}).get(page.key) or {}
        cap_after = new.get("capacity", {}).get(page.key) or {}
        lines.append(
            f"| {page.label} | {_delta(before.get('p95'), after.get('p95'))} "
            f"| {_delta(cap_before.get('rps'), cap_after.get('rps'))} "
            f"| {_delta(before.get('queries_median'), after.get('queries_median'))} |"
        )
    lines += ["", "| ratio | before → after |", "|---|---|"]
    for page in LIST_PAGES:
        a_before = (old.get("ratio_a", {}).get(page.key) or {}).get("ratio")
        a_after = (new.get("ratio_a", {}).get(page.key) or {}).get("ratio")
        lines.append(f"| (a) {page.label} | {_delta(a_before, a_after, digits=1)} |")
    b_before = (old.get("ratio_b") or {}).get("ratio")
    b_after = (new.get("ratio_b") or {}).get("ratio")
    lines.append(f"| (b) proposal list / admin changelist | {_delta(b_before, b_after, digits=2)} |")
    for key, label, _budget in JOBS:
        before = (old.get("jobs", {}).get(key) or {}).get("seconds")
        after = (new.get("jobs", {}).get(key) or {}).get("seconds")
        if before is not None or after is not None:
            lines.append(f"| {label}, s | {_delta(before, after, digits=1)} |")
    return "\n".join(lines)
