"""A national-scale data set for the load benchmark (`manage.py generate_load_data`).

What it makes: sessions a year apart, about 210 handling departments with clerks and leaders,
3,000 deputies in 35 delegations with accounts, and proposals that went through the whole
workflow — submitted online or keyed in from paper, co-signed, reviewed (returned, not
accepted, withdrawn, merged), numbered, assigned in every mode, signed for, reassigned,
extended, chased, handled with contact records, co-handler opinions and replies drafted,
returned, signed and numbered, delivered, published, rated, handled again and closed — with
the events (and so, through the database trigger, the audit entries) each step writes.

How. Each proposal's life is planned as timestamps in Python and cut at "now" (8:00 on
`today`): a step planned later has not happened, so the state of every row is what the
services would have left at that moment. The rows are the ones the services write (the same
columns, statuses, counters, document numbers, event details and texts, built with the same
functions where they are pure: replies.scaffold, replies.publication, proposals.deadlines)
but go in with COPY, a session per transaction, instead of one service call per step.
Ids are allocated here, so rows can reference each other before they are written;
PostgreSQL computes the generated search columns itself.

Deterministic: one random.Random(seed) drives everything, nothing depends on dict or set
order or on the clock; the same options (seed and today included) give the same rows.
"""

import base64
import bisect
import contextlib
import datetime
import hashlib
import json
import os
import queue
import resource
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from random import Random

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.urls import reverse
from django.utils import formats, translation

from accounts.models import Delegation, Department, Deputy, Notification, NotificationKind, Role, User
from proposals import deadlines
from proposals.deadlines import CHINA, add_months
from proposals.extraction import chinese_numeral
from proposals.models import (
    Assignment,
    AssignmentRequest,
    Category,
    CoSigner,
    Proposal,
    ProposalEvent,
    Session,
    Suggestion,
)
from replies import scaffold
from replies.models import (
    Commitment,
    ContactRecord,
    Delivery,
    DocumentSeries,
    Feedback,
    OpinionWaiver,
    ProgressNote,
    RehandlingDecision,
    Reply,
    ReplyVersion,
    ReviewComment,
    Snippet,
)
from replies.numbering import default_pattern, format_number
from replies.publication import public_text

from . import load_vocabulary as V

Status = Proposal.Status
Kind = ProposalEvent.Kind
Mode = Assignment.Mode
RStatus = Reply.Status
Rating = Feedback.Rating
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)

# The labels the services write into events and notifications, as the Chinese interface shows
# them (filled by Generator, with the translation active).
MODE_LABEL, FORM_LABEL, AGREEMENT_LABEL, RATING_LABEL = {}, {}, {}, {}

# The latest session opened this many days before `today`: its replies are in the rush before
# the 3-month deadline (some in, many due soon, some overdue), its co-handler opinions mostly
# given, its first feedback coming in. Older sessions are a year apart and done.
LATEST_SESSION_AGE_DAYS = 110
# Notifications are written for the steps of this many days before `today` only: enough for
# the header's unread count and the notification list; ten years of them would be millions.
NOTIFICATION_DAYS = 45
COPY_BATCH = 5_000  # proposals per transaction
# The loading connections' session settings: no wait for the WAL flush at commit (a crash
# loses the last batches, which --reset regenerates); lz4 compresses the large JSON and text
# values several times faster than the default pglz; a larger GIN pending list and work_mem
# let the search indexes take their new entries in fewer, larger merges (the pending lists
# are merged at the end, see Generator.run); JIT only slows the trigger's small queries.
LOAD_SETTINGS = (
    "SET synchronous_commit = off",
    "SET jit = off",
    "SET default_toast_compression = 'lz4'",
    "SET gin_pending_list_limit = '64MB'",
    "SET work_mem = '256MB'",
)
# assigning.decide_reassignment and decide_extension call log(..., old=…, new=…), and log()
# takes `old`/`new` as the event's from_status/to_status: the department names (or dates)
# land in the status columns, where the timeline's from_status_label() cannot read them (a
# 500 on the proposal page) and a name longer than 20 characters does not fit. The timeline
# template expects them in details.old/details.new, so that is where the generator puts them.
# Set to False to write what the services write today.
EVENT_NAMES_IN_DETAILS = True


@dataclass
class Options:
    proposals: int = 100_000
    seed: int = 2024
    sessions: int = 10
    departments: int = 210
    deputies: int = 3000
    delegations: int = 35
    coordinators: int = 8
    bench_accounts: int = 5
    today: datetime.date | None = None
    writers: int = 2


# --- writing rows with COPY -------------------------------------------------------------------------


_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(value) -> str:
    return _ENCODER.encode(value)


class Table:
    """Rows of one model, written with COPY. `columns` are the attnames this generator fills;
    any other column (one added to the model later, say) gets the field's default, so the
    generator keeps working as long as new columns have defaults."""

    def __init__(self, model, columns):
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields if not f.generated}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise ValueError(f"{self.name}: no such columns {unknown}")
        self.columns = list(columns)
        rest = [f for name, f in fields.items() if name not in columns]
        missing = [f.attname for f in rest if not (f.has_default() or f.null or f.empty_strings_allowed)]
        if missing:
            raise ValueError(f"{self.name}: the generator does not fill {missing}, which have no default")
        self.extra_columns = [f.column for f in rest]
        self.extra = tuple(self._default(f) for f in rest)
        self.column_sql = ", ".join(f'"{c}"' for c in [*(fields[c].column for c in self.columns), *self.extra_columns])

    @staticmethod
    def _default(f):
        value = f.get_default()  # "" for a text column without a default, None for a nullable one
        if f.get_internal_type() == "JSONField":
            return _json(value)
        return value

    def copy(self, cursor, rows) -> int:
        extra = self.extra
        with cursor.copy(f'COPY "{self.name}" ({self.column_sql}) FROM STDIN') as copy:  # nosec B608 - names from _meta
            write = copy.write_row
            if extra:
                for row in rows:
                    write(row + extra)
            else:
                for row in rows:
                    write(row)
        return len(rows)


TABLES = {
    "delegation": (Delegation, ["id", "name"]),
    "department": (Department, ["id", "name", "short_name", "doc_code", "is_government", "phone", "is_active"]),
    "user": (
        User,
        [
            "id",
            "password",
            "last_login",
            "is_superuser",
            "username",
            "email",
            "is_staff",
            "is_active",
            "date_joined",
            "full_name",
            "role",
            "department_id",
            "phone",
            "email_opt_out",
            "password_changed_at",
            "must_change_password",
        ],
    ),
    "deputy": (Deputy, ["id", "user_id", "name", "delegation_id", "level", "term", "phone", "address", "is_active"]),
    "notification": (Notification, ["id", "user_id", "message", "url", "created_at", "read_at", "kind"]),
    "category": (Category, ["id", "name", "parent_id", "position", "is_active"]),
    "session": (
        Session,
        [
            "id",
            "name",
            "level",
            "term",
            "session_no",
            "period",
            "opens_on",
            "closes_on",
            "submission_deadline",
            "last_number",
            "cc_congress_office",
            "cc_government_office",
        ],
    ),
    "proposal": (
        Proposal,
        [
            "id",
            "session_id",
            "number",
            "title",
            "body",
            "lead_deputy_id",
            "category_id",
            "agrees_to_publish",
            "status",
            "channel",
            "merged_into_id",
            "review_message",
            "not_accepted_reason",
            "disposition",
            "is_key",
            "supervising_leader",
            "key_note",
            "search_text",
            "version",
            "created_by_id",
            "created_at",
            "updated_at",
            "submitted_at",
            "accepted_at",
            "closed_at",
            "closing_note",
        ],
    ),
    "hoped": (Proposal.hoped_departments.through, ["id", "proposal_id", "department_id"]),
    "suggestion": (Suggestion, ["id", "proposal_id", "position", "text"]),
    "cosigner": (CoSigner, ["id", "proposal_id", "deputy_id", "status", "invited_at", "responded_at"]),
    "assignment": (
        Assignment,
        [
            "id",
            "proposal_id",
            "department_id",
            "mode",
            "assigned_at",
            "assigned_by_id",
            "is_active",
            "signed_at",
            "signed_by_id",
            "sign_due",
            "reassign_until",
            "reply_due",
            "max_reply_due",
            "opinion_due",
            "deadline_basis",
            "provisional",
            "replied_at",
            "round",
            "last_chased_at",
            "version",
        ],
    ),
    "request": (
        AssignmentRequest,
        [
            "id",
            "assignment_id",
            "kind",
            "reason",
            "suggested_department_id",
            "requested_until",
            "requested_by_id",
            "requested_at",
            "status",
            "decided_by_id",
            "decided_at",
            "decision_note",
            "new_department_id",
            "new_due",
        ],
    ),
    "reply": (
        Reply,
        [
            "id",
            "assignment_id",
            "department_id",
            "kind",
            "round",
            "status",
            "content",
            "version",
            "category",
            "document_number",
            "year",
            "serial",
            "signed_at",
            "signed_by_id",
            "signed_version_id",
            "feedback_until",
            "disclosure",
            "published_on",
            "search_text",
            "public_text",
            "created_by_id",
            "created_at",
            "updated_at",
        ],
    ),
    "version": (
        ReplyVersion,
        ["id", "reply_id", "number", "kind", "content", "text", "note", "document_number", "saved_by_id", "saved_at"],
    ),
    "comment": (ReviewComment, ["id", "reply_id", "author_id", "text", "version_number", "created_at"]),
    "contact": (
        ContactRecord,
        [
            "id",
            "assignment_id",
            "date",
            "form",
            "participants",
            "deputy_said",
            "agreement",
            "recorded_by_id",
            "recorded_at",
        ],
    ),
    "waiver": (OpinionWaiver, ["id", "assignment_id", "reason", "waived_by_id", "waived_at"]),
    "snippet": (Snippet, ["id", "department_id", "title", "text", "updated_by_id", "updated_at"]),
    "delivery": (Delivery, ["id", "reply_id", "version_id", "deputy_id", "delivered_at"]),
    "feedback": (
        Feedback,
        [
            "id",
            "reply_id",
            "deputy_id",
            "responded",
            "attitude",
            "result",
            "contacted",
            "comments",
            "submitted_by_id",
            "created_at",
            "updated_at",
        ],
    ),
    "decision": (
        RehandlingDecision,
        ["id", "reply_id", "decision", "department_id", "assignment_id", "explanation", "decided_by_id", "decided_at"],
    ),
    "commitment": (
        Commitment,
        ["id", "reply_id", "text", "due", "done_at", "done_note", "done_by_id", "created_by_id", "created_at"],
    ),
    "note": (ProgressNote, ["id", "commitment_id", "text", "author_id", "created_at"]),
    "event": (
        ProposalEvent,
        ["id", "proposal_id", "kind", "actor_id", "created_at", "from_status", "to_status", "message", "details"],
    ),
    "series": (DocumentSeries, ["id", "department_id", "kind", "year", "pattern", "last_number"]),
}
try:  # two-factor sign-in (accounts.two_factor): bench accounts of the roles that need it get a device
    from accounts.models import TwoFactorDevice

    TABLES["device"] = (TwoFactorDevice, ["id", "user_id", "secret", "created_at", "confirmed_at", "last_step"])
except ImportError:  # pragma: no cover - a tree without two-factor sign-in
    TwoFactorDevice = None

# COPY order inside a transaction: the foreign keys are deferred to the commit, but the audit
# trigger on events reads the proposal and the user, so events come after their proposals.
ORDER = [
    "delegation",
    "department",
    "user",
    "device",
    "deputy",
    "category",
    "snippet",
    "session",
    "proposal",
    "hoped",
    "suggestion",
    "cosigner",
    "assignment",
    "request",
    "contact",
    "waiver",
    "reply",
    "version",
    "comment",
    "delivery",
    "feedback",
    "decision",
    "commitment",
    "note",
    "notification",
    "event",
    "series",
]
# Rows whose ids nothing references are numbered when written, in time order, like a live
# system would have numbered them.
TIME_ORDERED = {"event": 4, "notification": 4}


class Batch:
    """The rows of one transaction, by table."""

    def __init__(self, label):
        self.label = label
        self.rows = defaultdict(list)

    def add(self, table, row):
        self.rows[table].append(row)

    def count(self):
        return sum(len(r) for r in self.rows.values())


class Writer:
    """COPYs finished batches on connections of its own, in background threads, while the
    generator plans the next batch: PostgreSQL computes the search columns and the indexes
    on the other core meanwhile. A failure stops everything and is raised in the caller."""

    def __init__(self, gen, threads):
        self.gen = gen
        self.queue = queue.Queue(maxsize=threads)
        self.error = None
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._work, daemon=True) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def put(self, batch):
        if self.error:
            raise self.error
        self.queue.put(batch)

    def close(self):
        for _ in self.threads:
            self.queue.put(None)
        for t in self.threads:
            t.join()
        if self.error:
            raise self.error

    def _work(self):
        conn = None
        while True:
            batch = self.queue.get()
            if batch is None:
                break
            if self.error:
                continue
            try:
                if conn is None:
                    conn = self.gen.connect()
                self.gen.write(conn, batch)
            except Exception as exc:  # re-raised in the main thread
                with self.lock:
                    self.error = self.error or exc
        if conn is not None:
            self.gen.account(conn)
            conn.close()


# --- the people and places -------------------------------------------------------------------------


@dataclass
class Dept:
    id: int
    name: str
    short: str
    code: str
    is_government: bool
    phone: str
    clerks: list = field(default_factory=list)  # user ids
    leader: int = 0
    bench: int = 0  # 1..k for the bench departments
    forced: dict = field(default_factory=dict)


@dataclass
class Dep:  # a deputy
    id: int
    user_id: int
    name: str
    delegation: str
    region: str


@dataclass
class SessionInfo:
    id: int
    index: int
    name: str
    term: int
    session_no: int
    opens_on: datetime.date
    closes_on: datetime.date
    deadline: datetime.datetime
    count: int
    last_number: int = 0


def session_name(year: int) -> tuple[str, int, int]:
    """十四届全国人大四次会议 for 2026: the 12th NPC sat 2013–2017, each term five years."""
    term = (year - 2013) // 5 + 12
    number = (year - 2013) % 5 + 1
    return f"{chinese_numeral(term)}届全国人大{chinese_numeral(number)}次会议", term, number


class Ids:
    """The next id of each table, from what the database already holds."""

    def __init__(self):
        self.next = {}

    def start(self, cursor):
        for key, (model, _columns) in TABLES.items():
            cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{model._meta.db_table}"')  # noqa: S608  # nosec B608
            self.next[key] = cursor.fetchone()[0] + 1

    def take(self, key):
        value = self.next[key]
        self.next[key] = value + 1
        return value


# --- the plan of one proposal -----------------------------------------------------------------------


class P:
    """A proposal being simulated: its row's fields and what later steps need."""

    __slots__ = (
        "accepted_at",
        "agrees",
        "body",
        "category_id",
        "channel",
        "closed_at",
        "closing_note",
        "cosigners",
        "created_at",
        "created_by",
        "disposition",
        "hoped",
        "id",
        "is_key",
        "key_note",
        "keyword",
        "lead",
        "leader",
        "merged_into",
        "not_accepted_reason",
        "number",
        "review",
        "review_message",
        "session",
        "signers",
        "status",
        "submitted_at",
        "suggestions",
        "title",
        "topic",
        "updated_at",
        "version",
    )

    def __init__(self):
        self.merged_into = None
        self.is_key = False
        self.leader = ""
        self.key_note = ""
        self.review_message = ""
        self.not_accepted_reason = ""
        self.disposition = ""
        self.closed_at = None
        self.closing_note = ""
        self.number = None
        self.accepted_at = None
        self.submitted_at = None


class A:
    """An assignment being simulated."""

    __slots__ = (
        "assigned_at",
        "assigned_by",
        "basis",
        "clerk",
        "dept",
        "due",
        "id",
        "is_active",
        "last_chased_at",
        "max_reply_due",
        "mode",
        "p",
        "replied_at",
        "reply_due",
        "round",
        "signed_at",
        "signed_by",
        "version",
    )


class R:
    """A reply (or co-handler's opinion) being simulated; written once its document number
    is known (numbers follow signing order within a department's yearly series)."""

    __slots__ = (
        "_batch",
        "a",
        "category",
        "clerk",
        "commitments",
        "created_at",
        "disclosure",
        "id",
        "kind",
        "lead_dept",
        "leader",
        "number",
        "ready",
        "returns",
        "round",
        "saves",
        "sections",
        "serial",
        "signed_at",
        "signers",
        "submits",
        "summary",
        "texts",
        "year",
    )


# --- the generator -------------------------------------------------------------------------------------


class Generator:
    def __init__(self, options: Options, say=print):
        self.o = options
        self.say = say
        self.rng = Random(options.seed)  # noqa: S311  # nosec B311 - test data, not secrets
        self.today = options.today
        self.now = datetime.datetime.combine(self.today, datetime.time(8, 0), CHINA)
        self.notify_from = self.now - datetime.timedelta(days=NOTIFICATION_DAYS)
        self.tables = {key: Table(model, columns) for key, (model, columns) in TABLES.items()}
        self.ids = Ids()
        self.counts = defaultdict(int)
        self.series = defaultdict(int)  # (department id, year) → last serial
        self.timings = []
        self.stats = defaultdict(int)
        self._deadline_cache = {}
        self.url_proposal = reverse("proposals:detail", args=[987654321]).replace("987654321", "{}")
        self.url_reply = reverse("replies:detail", args=[987654321]).replace("987654321", "{}")
        self.url_requests = reverse("proposals:requests")
        self.writer_lock = threading.Lock()
        with translation.override("zh-hans"):
            for labels, choices in (
                (MODE_LABEL, Mode),
                (FORM_LABEL, ContactRecord.Form),
                (AGREEMENT_LABEL, ContactRecord.Agreement),
                (RATING_LABEL, Rating),
            ):
                labels.update({c.value: str(c.label) for c in choices})
        self.table_seconds = defaultdict(float)
        self.backend_cpu = 0.0
        self.usernames_full = {}

    # --- the whole run ----------------------------------------------------------------------------------

    def run(self):
        """Generate everything; returns the generator, whose counts, timings, sessions and
        accounts the command prints."""
        o = self.o
        total_started = time.perf_counter()
        first = self.session_dates(0)[0]
        self.calendar = deadlines.WorkCalendar.load(first - 400 * DAY, self.today + 400 * DAY)
        with connection.cursor() as cursor:
            self.ids.start(cursor)
            with translation.override("zh-hans"):
                reference = self.reference(cursor)
        sessions = self.plan_sessions()
        for s in sessions:
            reference.add("session", self.session_row(s))
        self.number_by_time(reference)
        with self.connect() as conn:
            self.write(conn, reference)
            self.account(conn)
        self.say(f"reference data: {reference.count():,} rows in {time.perf_counter() - total_started:.1f} s")

        writer = Writer(self, o.writers)
        try:
            with translation.override("zh-hans"):
                for s in sessions:
                    t0 = time.perf_counter()
                    planned = self.run_session(s, writer)
                    self.say(
                        f"{s.name} ({s.opens_on:%Y-%m-%d}): {s.count:,} proposals planned in {planned:.1f} s"
                        f" (queued for writing after {time.perf_counter() - t0:.1f} s; elapsed"
                        f" {time.perf_counter() - total_started:.0f} s)"
                    )
        finally:
            writer.close()
        loaded = time.perf_counter()
        self.say(f"all sessions written; elapsed {loaded - total_started:.0f} s")

        # the counters: sessions' last numbers, the departments' document series
        with self.connect() as conn:
            final = Batch("document series")
            for (dept_id, year), last in sorted(self.series.items()):
                dept = next(d for d in self.departments if d.id == dept_id)
                final.add("series", (self.ids.take("series"), dept_id, "reply", year, default_pattern(dept.code), last))
            with conn.transaction():
                for s in sessions:
                    conn.execute("UPDATE proposals_session SET last_number = %s WHERE id = %s", (s.last_number, s.id))
            self.write(conn, final)
            with conn.transaction():
                for key, (model, _columns) in TABLES.items():
                    table = model._meta.db_table
                    if self.counts.get(key):  # the app's own inserts go on after the generated ids
                        conn.execute(
                            f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "  # noqa: S608  # nosec B608
                            f'(SELECT MAX(id) FROM "{table}"))'
                        )
            counted = time.perf_counter()
            # merge what the larger pending lists still hold, so searches do not scan them
            for (index,) in conn.execute(
                "SELECT indexrelid::regclass::text FROM pg_index JOIN pg_class c ON c.oid = indexrelid "
                "JOIN pg_am am ON am.oid = c.relam WHERE am.amname = 'gin' AND c.relnamespace = 'public'::regnamespace"
            ).fetchall():
                conn.execute("SELECT gin_clean_pending_list(%s::regclass)", (index,))
            cleaned = time.perf_counter()
            conn.execute("ANALYZE")
            analyzed = time.perf_counter()
            self.account(conn)
        self.say(
            f"counters {counted - loaded:.1f} s, GIN pending lists {cleaned - counted:.1f} s,"
            f" ANALYZE {analyzed - cleaned:.1f} s"
        )
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.python_cpu = usage.ru_utime + usage.ru_stime
        self.elapsed = time.perf_counter() - total_started
        self.sessions = sessions
        return self

    # --- connection -----------------------------------------------------------------------------------

    def connect(self):
        """A connection of its own for COPY, tuned for loading: these settings last for the
        session only and change nothing the app relies on."""
        import psycopg

        conn = psycopg.connect(**self.connect_params(), autocommit=True)
        for setting in LOAD_SETTINGS:
            with contextlib.suppress(psycopg.Error):  # e.g. a server built without lz4
                conn.execute(setting)
        return conn

    def account(self, conn):
        """Add up the server CPU time of a loading connection before it closes."""
        used = backend_cpu([conn.info.backend_pid])
        with self.writer_lock:
            self.backend_cpu = None if used is None or self.backend_cpu is None else self.backend_cpu + used

    def connect_params(self):
        params = dict(connection.get_connection_params())
        for key in ("cursor_factory", "context", "prepare_threshold"):
            params.pop(key, None)
        return params

    def write(self, conn, batch):
        started = time.perf_counter()
        with conn.transaction(), conn.cursor() as cursor:
            for key in ORDER:
                rows = batch.rows.get(key)
                if not rows:
                    continue
                t0 = time.perf_counter()
                self.tables[key].copy(cursor, rows)
                with self.writer_lock:
                    self.counts[key] += len(rows)
                    self.table_seconds[key] += time.perf_counter() - t0
            t0 = time.perf_counter()
        elapsed = time.perf_counter() - started
        with self.writer_lock:
            self.table_seconds["commit"] += time.perf_counter() - t0
            self.timings.append((batch.label, batch.count(), elapsed))
            self.say(f"  written: {batch.label}, {batch.count():,} rows in {elapsed:.1f} s")

    # --- random helpers -------------------------------------------------------------------------------

    def between(self, start, end):
        """A moment between two datetimes."""
        if end <= start:
            return start
        return start + (end - start) * self.rng.random()

    def days_after(self, t, low, high):
        return t + datetime.timedelta(days=low + (high - low) * self.rng.random())

    def work_time(self, day):
        minutes = 8 * 60 + 30 + int(self.rng.random() * 570)
        return datetime.datetime.combine(day, datetime.time(minutes // 60, minutes % 60), CHINA) + datetime.timedelta(
            seconds=self.rng.randrange(60)
        )

    def office(self, t):
        """The same time on the next working day, if `t` falls on a holiday or weekend."""
        d = t.date()
        moved = False
        while not self.calendar.is_workday(d):
            d += DAY
            moved = True
        if moved:
            return self.work_time(d)
        return t

    def fill(self, pattern, p, **extra):
        return self.fill_with(self.rng, pattern, p, **extra)

    def place(self, p):
        """A province or city the text is about: the deputy's own, now and then another."""
        if p.lead.delegation in V.REGION_WORD or self.rng.random() < 0.3:
            return self.rng.choice(V.PLACES)
        return p.lead.delegation

    def person(self):
        rng = self.rng
        given = rng.choice(V.GIVEN) + (rng.choice(V.GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(V.SURNAMES) + given

    # --- deadlines --------------------------------------------------------------------------------------

    def deadlines_for(self, day, mode):
        key = (day, mode)
        found = self._deadline_cache.get(key)
        if found is None:
            found = deadlines.compute(
                assigned_on=day, mode=mode, policy=deadlines.Policy(), calendar=self.calendar, session_closes_on=None
            )
            found = (found, _json(found.basis))
            self._deadline_cache[key] = found
        return found

    # --- notifications --------------------------------------------------------------------------------

    def notify(self, batch, users, message, url, at, kind=NotificationKind.OTHER):
        if not (self.notify_from <= at <= self.now):
            return
        seen = set()
        for user in users:
            if not user or user in seen:
                continue
            seen.add(user)
            read_at = None
            if at < self.now - 3 * DAY and self.rng.random() < 0.9:
                read_at = min(self.now, self.days_after(at, 0.01, 2))
            batch.add("notification", (0, user, message[:300], url, at, read_at, kind))

    # --- events ---------------------------------------------------------------------------------------

    def log(self, batch, p, kind, actor, at, *, old="", new="", message="", **details):
        batch.add("event", (0, p.id, kind, actor, at, old, new, message, _json(details)))

    def names_event(self, batch, p, kind, actor, at, message, names):
        """同意调整 and 同意延期 name the old and new department or date."""
        if EVENT_NAMES_IN_DETAILS:  # not through log(), whose `old`/`new` are the status columns
            batch.add("event", (0, p.id, kind, actor, at, "", "", message, _json(names)))
        else:  # what the services write today
            rest = {k: v for k, v in names.items() if k not in ("old", "new")}
            self.log(batch, p, kind, actor, at, old=names["old"], new=names["new"], message=message, **rest)

    # =====================================================================================================
    # reference data
    # =====================================================================================================

    def reference(self, cursor):
        """Delegations, departments, accounts, deputies, categories, snippets; returns the batch."""
        o, rng = self.o, self.rng
        batch = Batch("reference data")
        first_open = self.session_dates(0)[0]
        joined = datetime.datetime.combine(first_open - datetime.timedelta(days=60), datetime.time(9), CHINA)
        changed = self.now - DAY
        # Password hashing is slow on purpose: hash once, every generated account shares it.
        password = make_password(settings.DEMO_PASSWORD)
        self.bench = defaultdict(list)

        def add_user(username, full_name, role, department=None, phone=""):
            uid = self.ids.take("user")
            batch.add(
                "user",
                (
                    uid,
                    password,
                    None,
                    False,
                    username,
                    "",
                    False,
                    True,
                    joined,
                    full_name,
                    role,
                    department,
                    phone,
                    "[]",
                    changed,
                    False,
                ),
            )
            self.usernames[uid] = username
            self.usernames_full[uid] = full_name
            return uid

        self.usernames = {}
        self.delegations = []
        for name, _size in V.DELEGATIONS[: o.delegations]:
            did = self.ids.take("delegation")
            batch.add("delegation", (did, f"{name}代表团"))
            self.delegations.append((did, name))

        self.departments = []
        for i, (name, short, code, is_gov) in enumerate(V.DEPARTMENTS[: o.departments]):
            dept_id = self.ids.take("department")
            code = code or f"{short}建议函"
            phone = f"010-{6800_0000 + i * 137:08d}"
            dept = Dept(dept_id, name, short, code, is_gov, phone)
            batch.add("department", (dept_id, name, short, code, is_gov, phone, True))
            self.departments.append(dept)
        self.dept_by_name = {d.name: d for d in self.departments}

        bench_n = min(o.bench_accounts, len(self.departments))
        for i, dept in enumerate(self.departments):
            clerks = 3 if i < 20 else 2
            if i < bench_n:
                dept.bench = i + 1
                dept.forced = {"draft": 2, "review": 2, "unsigned": 1}
            for k in range(clerks):
                username = f"bench_clerk_{dept.bench}" if dept.bench and k == 0 else f"d{i + 1:03d}_clerk{k + 1}"
                uid = add_user(username, self.person(), Role.CLERK, dept.id, dept.phone)
                dept.clerks.append(uid)
                if dept.bench and k == 0:
                    self.bench["clerk"].append((username, dept.name))
            username = f"bench_leader_{dept.bench}" if dept.bench else f"d{i + 1:03d}_leader"
            dept.leader = add_user(username, self.person(), Role.LEADER, dept.id, dept.phone)
            if dept.bench:
                self.bench["leader"].append((username, dept.name))

        self.coordinators = []
        for k in range(max(o.coordinators, 1)):
            username = f"bench_coordinator_{k + 1}" if k < o.bench_accounts else f"coordinator_{k + 1}"
            self.coordinators.append(add_user(username, self.person(), Role.COORDINATOR))
            if k < o.bench_accounts:
                self.bench["coordinator"].append((username, ""))
        self.devices = []
        required = set(getattr(settings, "TWO_FACTOR_REQUIRED_ROLES", ()))
        if TwoFactorDevice is not None:
            for uid, username in list(self.usernames.items()):
                role = (
                    Role.COORDINATOR
                    if username.startswith("bench_coordinator")
                    else Role.LEADER
                    if username.startswith("bench_leader")
                    else None
                )
                if role in required:
                    secret = totp_secret(o.seed, username)
                    batch.add("device", (self.ids.take("device"), uid, secret, joined, joined, -1))
                    self.devices.append((username, secret))
        for username, role in (
            ("load_sysadmin", Role.SYSADMIN),
            ("load_secadmin", Role.SECADMIN),
            ("load_auditor", Role.AUDITOR),
        ):
            add_user(username, self.person(), role)

        # Deputies: delegations by size; how often each files follows a long tail (a few file
        # dozens of proposals a year). The most active are the bench deputies.
        sizes = [size for _name, size in V.DELEGATIONS[: o.delegations]]
        total = sum(sizes)
        quota = [max(1, round(o.deputies * s / total)) for s in sizes]
        while sum(quota) > o.deputies and max(quota) > 1:
            quota[quota.index(max(quota))] -= 1
        while sum(quota) < o.deputies:
            quota[quota.index(max(quota))] += 1
        latest_term = session_name(self.session_dates(o.sessions - 1)[0].year)[1]
        activity = []
        self.deputies = []
        self.by_delegation = defaultdict(list)
        order = []
        for (did, name), n in zip(self.delegations, quota, strict=True):
            for _ in range(n):
                order.append((did, name))
        # a long tail, capped: the most active file a dozen times the average (some 40 a year)
        weights = [min(rng.paretovariate(1.6), 35.0) for _ in order]
        ranked = sorted(range(len(order)), key=lambda i: -weights[i])
        bench_rank = {idx: r + 1 for r, idx in enumerate(ranked[:bench_n])}
        for number, (did, name) in enumerate(order, 1):
            i = number - 1
            full_name = self.person()
            if i in bench_rank:
                username = f"bench_deputy_{bench_rank[i]}"
                self.bench["deputy"].append((username, f"{name}代表团"))
            else:
                username = f"deputy_{number:04d}"
            phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
            uid = add_user(username, full_name, Role.DEPUTY, None, phone)
            dep_id = self.ids.take("deputy")
            region = V.REGION_WORD.get(name, "我省")
            address = f"{name}{'' if name.endswith(('区', '省', '部队')) else '省'}人大常委会代表联络处"
            batch.add("deputy", (dep_id, uid, full_name, did, "national", latest_term, phone, address, True))
            dep = Dep(dep_id, uid, full_name, name, region)
            self.deputies.append(dep)
            self.by_delegation[name].append(dep)
            activity.append(weights[i])
        self.deputy_cum = list(_cumulative(activity))
        self.bench["deputy"].sort()

        # The category taxonomy: the topics' aspects and classes; existing ones (seed_demo's)
        # are reused by name.
        cursor.execute("SELECT id, name, parent_id FROM proposals_category")
        existing = {(name, parent): pk for pk, name, parent in cursor.fetchall()}
        aspects = {}
        self.topics = []
        for t in V.TOPICS:
            if t.aspect not in aspects:
                pk = existing.get((t.aspect, None))
                if pk is None:
                    pk = self.ids.take("category")
                    batch.add("category", (pk, t.aspect, None, len(aspects) + 10, True))
                aspects[t.aspect] = pk
            parent = aspects[t.aspect]
            pk = existing.get((t.name, parent))
            if pk is None:
                pk = self.ids.take("category")
                batch.add("category", (pk, t.name, parent, len(self.topics), True))
            self.topics.append((t, pk, self.topic_departments(t)))
        self.topic_cum = list(_cumulative([t.weight for t in V.TOPICS]))

        for dept in self.departments:
            for title, text in V.SNIPPETS:
                batch.add("snippet", (self.ids.take("snippet"), dept.id, title, text, dept.leader, joined))
        return batch

    def topic_departments(self, t):
        """The departments that lead and co-handle a topic, among those generated."""
        available = self.dept_by_name
        leads = [available[n] for n in t.leads if n in available]
        cos = [available[n] for n in t.cohandlers if n in available]
        if not leads:  # a small --departments: the topic goes to whoever there is
            leads = [self.departments[hash_index(t.name, len(self.departments))]]
        cos = [d for d in cos if d not in leads]
        return leads, cos

    # =====================================================================================================
    # sessions
    # =====================================================================================================

    def session_dates(self, index):
        latest = self.today - datetime.timedelta(days=LATEST_SESSION_AGE_DAYS)
        years_back = self.o.sessions - 1 - index
        try:
            opens = latest.replace(year=latest.year - years_back)
        except ValueError:  # 29 February
            opens = latest.replace(year=latest.year - years_back, day=28)
        closes = opens + datetime.timedelta(days=6)
        deadline = datetime.datetime.combine(closes - DAY, datetime.time(12, 0), CHINA)
        return opens, closes, deadline

    def plan_sessions(self):
        o = self.o
        weights = [1.04**k for k in range(o.sessions)]
        total = sum(weights)
        counts = [int(o.proposals * w / total) for w in weights]
        rest = o.proposals - sum(counts)
        for k in sorted(range(o.sessions), key=lambda k: -(o.proposals * weights[k] / total - counts[k]))[:rest]:
            counts[k] += 1
        sessions = []
        for k in range(o.sessions):
            opens, closes, deadline = self.session_dates(k)
            name, term, number = session_name(opens.year)
            sessions.append(
                SessionInfo(self.ids.take("session"), k, name, term, number, opens, closes, deadline, counts[k])
            )
        return sessions

    def session_row(self, s):
        return (
            s.id,
            s.name,
            "national",
            s.term,
            s.session_no,
            "during",
            s.opens_on,
            s.closes_on,
            s.deadline,
            s.last_number,
            "全国人大常委会代表工作委员会",
            "国务院办公厅",
        )

    # =====================================================================================================
    # one session
    # =====================================================================================================

    def run_session(self, s, writer):
        """Plan and write one session; returns the seconds spent planning."""
        self.latest = s.index == self.o.sessions - 1
        self.session = s
        started = time.perf_counter()
        # Intake: who files what, when; then the review, which numbers the accepted ones in
        # the order they were accepted.
        plans = [self.intake(s) for _ in range(s.count)]
        plans.sort(key=lambda p: (p.created_at, p.title))
        for p in plans:
            p.id = self.ids.take("proposal")
        accepted = sorted((p for p in plans if p.accepted_at), key=lambda p: (p.accepted_at, p.id))
        for n, p in enumerate(accepted, 1):
            p.number = n
        s.last_number = len(accepted)

        # A transaction per COPY_BATCH proposals; nothing in one refers to another, so the
        # writers may commit them in any order.
        self.pending_docs = []
        batches = []
        for first in range(0, len(plans), COPY_BATCH):
            batch = Batch(f"{s.name} {first + 1}–{min(first + COPY_BATCH, len(plans))}")
            self.merge_heads = defaultdict(list)
            for p in plans[first : first + COPY_BATCH]:
                self.proposal(batch, p)
            batches.append(batch)
        # Document numbers in signing order within each department's yearly series, then the
        # replies' rows, which carry them. (A session's replies are signed before the next
        # session opens, see sign_by, so the series stay in signing order across sessions.)
        signed = sorted((r for r in self.pending_docs if r.signed_at), key=lambda r: (r.signed_at, r.id))
        for r in signed:
            key = (r.a.dept.id, r.signed_at.year)
            self.series[key] += 1
            r.year = r.signed_at.year
            r.serial = self.series[key]
            r.number = format_number(default_pattern(r.a.dept.code), r.year, r.serial)
        for r in self.pending_docs:
            self.emit_reply(r)
        self.pending_docs = []
        for batch in batches:
            self.number_by_time(batch)
        planned = time.perf_counter() - started
        for batch in batches:
            writer.put(batch)
        return planned

    def number_by_time(self, batch):
        """Ids of events and notifications in time order, as a live system hands them out."""
        for key, at in TIME_ORDERED.items():
            rows = batch.rows.get(key)
            if not rows:
                continue
            rows.sort(key=lambda r: (r[at], r[1]))
            first = self.ids.next[key]
            self.ids.next[key] = first + len(rows)
            batch.rows[key] = [(first + i, *row[1:]) for i, row in enumerate(rows)]

    # --- intake and review -------------------------------------------------------------------------------

    def intake(self, s):
        rng = self.rng
        p = P()
        p.session = s
        topic, p.category_id, _ = self.topics[bisect.bisect(self.topic_cum, rng.random() * self.topic_cum[-1])]
        p.topic = topic
        kws = topic.keywords
        p.keyword = kws[0] if rng.random() < 0.3 else rng.choice(kws)
        p.lead = self.deputies[bisect.bisect(self.deputy_cum, rng.random() * self.deputy_cum[-1])]
        p.title = self.fill(
            rng.choice(V.TITLE_PATTERNS),
            p,
            verb=rng.choice(V.TITLE_VERBS),
            tail=rng.choice(V.TITLE_TAILS),
            object=rng.choice(V.OBJECTS),
            place=self.place(p),
        )
        problems = rng.sample(topic.problems + V.GENERIC_PROBLEMS, 2)
        causes = rng.sample(V.GENERIC_PROBLEMS, 2)
        parts = [
            self.fill("{region}{kw}工作近年来取得积极进展，{progress}。", p, progress=rng.choice(V.PROGRESS)),
            self.fill("但仍存在{a}、{b}等问题，", p, a=problems[0], b=problems[1]),
            self.fill(rng.choice(V.IMPACTS), p) + "。",
            self.fill(rng.choice(V.SURVEYS), p) + "。",
            rng.choice(V.CAUSES).format(a=causes[0], b=causes[1]) + "。",
        ]
        if rng.random() < 0.35:
            parts.append(
                f"同时，{rng.choice(V.CROSS_MENTIONS)}相关工作也亟需统筹推进，{rng.choice(V.GENERIC_PROBLEMS)}。"
            )
        if rng.random() < 0.5:
            parts.append(self.fill(rng.choice(V.IMPACTS), p) + "。")
        parts.append("为此建议：")
        p.body = "".join(parts)
        n = rng.choices((1, 2, 3, 4, 5, 6, 7, 8), cum_weights=(5, 15, 40, 62, 80, 90, 96, 100))[0]
        suggestions = []
        for _ in range(n):
            kw = p.keyword if rng.random() < 0.5 else rng.choice(kws)
            text = self.fill(
                rng.choice(V.SUGGESTIONS),
                p,
                kw=kw,
                verb=rng.choice(V.SUGGESTION_VERBS),
                object=rng.choice(V.OBJECTS),
                clause=self.fill(
                    rng.choice(V.CLAUSES), p, place=self.place(p), year2=p.session.opens_on.year + rng.randint(2, 5)
                ),
                detail=rng.choice(V.DETAILS),
            )
            if text not in suggestions:
                suggestions.append(text)
        p.suggestions = [(self.ids.take("suggestion"), text) for text in suggestions]
        p.agrees = rng.random() < 0.93
        leads, _cos = self.topics_departments(topic)
        p.hoped = []
        if rng.random() < 0.4:
            p.hoped = [leads[0].id] if rng.random() < 0.7 else [rng.choice(self.departments).id]
        p.version = 1

        # submission
        opens = datetime.datetime.combine(s.opens_on, datetime.time(9), CHINA)
        paper = rng.random() < 0.1
        p.channel = Proposal.Channel.PAPER if paper else Proposal.Channel.ONLINE
        u = rng.random()
        if paper:
            submitted = self.between(opens, datetime.datetime.combine(s.closes_on, datetime.time(17), CHINA))
        elif u < 0.35:
            submitted = s.deadline - datetime.timedelta(hours=6 * rng.random())
        elif u < 0.75:
            submitted = self.between(opens, s.deadline)
        else:
            submitted = self.work_time(s.opens_on - datetime.timedelta(days=rng.randint(1, 30)))
        if paper:
            p.created_at = submitted
            p.created_by = rng.choice(self.coordinators)
        else:
            p.created_at = submitted - datetime.timedelta(hours=1 + 300 * rng.random() ** 2)
            p.created_by = p.lead.user_id
        p.updated_at = p.created_at
        p.cosigners = []
        if not paper:
            u = rng.random()
            k = 0 if u < 0.62 else rng.randint(1, 5) if u < 0.9 else rng.randint(6, 30)
            pool = self.by_delegation[p.lead.delegation]
            chosen = set()
            for _ in range(k):
                dep = rng.choice(pool) if rng.random() < 0.8 else rng.choice(self.deputies)
                if dep is p.lead or dep.id in chosen:
                    continue
                chosen.add(dep.id)
                invited = self.between(p.created_at, p.created_at + (submitted - p.created_at) * 0.3)
                v = rng.random()
                state = CoSigner.Status.CONFIRMED if v < 0.94 else CoSigner.Status.DECLINED if v < 0.97 else None
                responded = self.between(invited, submitted - MINUTE) if state else None
                p.cosigners.append(
                    (self.ids.take("cosigner"), dep, state or CoSigner.Status.INVITED, invited, responded)
                )
        p.signers = [p.lead] + [c[1] for c in p.cosigners if c[2] == CoSigner.Status.CONFIRMED]

        # review
        p.status = Status.DRAFT
        p.review = []  # (kind, time, extra)
        if self.latest and not paper and rng.random() < 0.004:
            return p  # a draft the deputy never sent
        p.submitted_at = submitted
        review = self.office(
            self.work_time(max(submitted.date(), s.closes_on) + datetime.timedelta(days=rng.randint(1, 14)))
        )
        u = rng.random()
        solo = len(p.signers) == 1
        if u < 0.006 and solo:
            p.review.append(("withdrawn", self.between(submitted, review)))
        elif u < 0.031:
            p.review.append(("not_accepted", review, rng.choice(V.NOT_ACCEPTED)))
        else:
            if u < 0.061:
                edited = self.days_after(review, 1, 6)
                resubmitted = edited + datetime.timedelta(minutes=5 + 50 * rng.random())
                p.review.append(("returned", review, rng.choice(V.RETURN_MESSAGES)))
                p.review.append(("edited", edited))
                p.review.append(("resubmitted", resubmitted))
                review = self.office(self.days_after(resubmitted, 1, 5))
            p.review.append(("accepted", review))
        # what happened by now decides the status and the number
        for step in p.review:
            if step[1] > self.now:
                break
            if step[0] == "accepted":
                p.accepted_at = step[1]
        return p

    def topics_departments(self, topic):
        for t, _pk, depts in self.topics:
            if t is topic:
                return depts
        raise KeyError(topic.name)

    # --- one proposal, from submission to closing ----------------------------------------------------

    def proposal(self, batch, p):
        rng, now = self.rng, self.now
        s = p.session
        lead_user = p.lead.user_id
        for text_id, (sid, text) in enumerate(p.suggestions, 1):
            batch.add("suggestion", (sid, p.id, text_id, text))
        for dept_id in p.hoped:
            batch.add("hoped", (self.ids.take("hoped"), p.id, dept_id))
        snapshot = {"title": p.title, "body": p.body, "suggestions": [t for _id, t in p.suggestions]}
        url = self.url_proposal.format(p.id)

        # drafting, co-signing, submission
        if p.channel == Proposal.Channel.ONLINE:
            self.log(batch, p, Kind.CREATED, lead_user, p.created_at, new=Status.DRAFT)
            for cid, dep, state, invited, responded in p.cosigners:
                batch.add("cosigner", (cid, p.id, dep.id, state, invited, responded))
                self.log(batch, p, Kind.COSIGNER_INVITED, lead_user, invited, deputy=dep.name)
                if state != CoSigner.Status.INVITED:
                    kind = Kind.COSIGNER_CONFIRMED if state == CoSigner.Status.CONFIRMED else Kind.COSIGNER_DECLINED
                    self.log(batch, p, kind, dep.user_id, responded, deputy=dep.name)
            if p.submitted_at is not None:
                p.status = Status.SUBMITTED
                p.version += 1
                self.log(
                    batch,
                    p,
                    Kind.SUBMITTED,
                    lead_user,
                    p.submitted_at,
                    old=Status.DRAFT,
                    new=Status.SUBMITTED,
                    **snapshot,
                )
        else:
            p.status = Status.SUBMITTED
            self.log(
                batch,
                p,
                Kind.ENTERED_BY_STAFF,
                p.created_by,
                p.created_at,
                new=Status.SUBMITTED,
                message="根据代表纸质建议录入",
                **snapshot,
            )
        coordinator = rng.choice(self.coordinators)
        for step in p.review:
            kind, at = step[0], step[1]
            if at > now:
                break
            if kind == "withdrawn":
                p.status = Status.WITHDRAWN
                p.version += 1
                self.log(batch, p, Kind.WITHDRAWN, lead_user, at, old=Status.SUBMITTED, new=Status.WITHDRAWN)
            elif kind == "not_accepted":
                reason, disposition, note = step[2]
                p.status = Status.NOT_ACCEPTED
                p.version += 1
                p.not_accepted_reason, p.disposition, p.review_message = reason, disposition, note
                self.log(
                    batch,
                    p,
                    Kind.NOT_ACCEPTED,
                    coordinator,
                    at,
                    old=Status.SUBMITTED,
                    new=Status.NOT_ACCEPTED,
                    message=note,
                    reason=reason,
                    disposition=disposition,
                )
            elif kind == "returned":
                p.status = Status.RETURNED
                p.version += 1
                p.review_message = step[2]
                self.log(
                    batch, p, Kind.RETURNED, coordinator, at, old=Status.SUBMITTED, new=Status.RETURNED, message=step[2]
                )
            elif kind == "edited":
                p.version += 1
                p.updated_at = at
                self.log(batch, p, Kind.EDITED, lead_user, at)
            elif kind == "resubmitted":
                p.status = Status.SUBMITTED
                p.version += 1
                p.submitted_at = at
                self.log(batch, p, Kind.SUBMITTED, lead_user, at, old=Status.RETURNED, new=Status.SUBMITTED, **snapshot)
            elif kind == "accepted":
                p.status = Status.ACCEPTED
                p.version += 1
                p.review_message = ""
                self.log(
                    batch, p, Kind.ACCEPTED, coordinator, at, old=Status.SUBMITTED, new=Status.ACCEPTED, number=p.number
                )
                self.notify(
                    batch,
                    [u.user_id for u in p.signers],
                    f"您的建议《{p.title}》已立案，编号为{s.name}第{p.number}号。",
                    url,
                    at,
                    NotificationKind.PROPOSAL_ACCEPTED,
                )
        if p.status == Status.ACCEPTED:
            self.merge(batch, p)
            self.assign(batch, p)
        self.emit_proposal(batch, p)

    def merge(self, batch, p):
        """并案: now and then a proposal joins an earlier one on the same topic."""
        rng = self.rng
        heads = self.merge_heads[p.topic.name]
        if heads and rng.random() < 0.01:
            head = rng.choice(heads[-20:])
            at = self.office(self.days_after(p.accepted_at, 0.5, 4))
            if at <= self.now:
                p.merged_into = head.id
                p.version += 1
                actor = rng.choice(self.coordinators)
                self.log(batch, p, Kind.MERGED, actor, at, into=head.id, into_title=head.title)
                self.log(batch, head, Kind.MERGED, actor, at, merged=p.id, merged_title=p.title)
                return
        heads.append(p)

    # --- assignment ------------------------------------------------------------------------------------

    def plan_lines(self, p):
        rng = self.rng
        leads, cos = self.topics_departments(p.topic)
        lead = leads[0] if rng.random() < 0.7 or len(leads) == 1 else rng.choice(leads)
        if self.latest:
            # a bench department still short of the work it must show leads now and then
            waiting = [d for d in self.departments[: self.o.bench_accounts] if sum(d.forced.values())]
            if waiting and rng.random() < 0.3:
                lead = waiting[0]
        others = [d for d in leads + cos if d is not lead]
        if rng.random() < 0.08 and others:
            depts = [lead, *rng.sample(others, min(len(others), rng.randint(1, 2)))]
            return [(d, Mode.SEPARATE) for d in depts]
        k = rng.choices((0, 1, 2, 3, 4), cum_weights=(22, 55, 82, 95, 100))[0]
        lines = [(lead, Mode.LEAD)]
        used = {lead.id}
        for _ in range(k):
            pool = others if others and rng.random() < 0.8 else self.departments
            d = rng.choice(pool)
            if d.id not in used:
                used.add(d.id)
                lines.append((d, Mode.COHANDLER))
        if rng.random() < 0.1:
            d = rng.choice(self.departments)
            if d.id not in used:
                lines.append((d, Mode.REFERENCE))
        return lines

    def assign(self, batch, p):
        rng, now, s = self.rng, self.now, p.session
        if self.latest and rng.random() < 0.006:
            return  # registered, waiting for the next assignment batch
        earliest = p.accepted_at.date() + 2 * DAY
        day = None
        for offset in [*rng.choices((7, 12, 19, 26, 40), cum_weights=(35, 65, 85, 95, 100)), 40, 55, 70]:
            candidate = s.closes_on + datetime.timedelta(days=offset)
            if candidate >= earliest:
                day = candidate
                break
        day = day or earliest
        at = self.office(
            datetime.datetime.combine(day, datetime.time(9), CHINA) + datetime.timedelta(minutes=rng.randint(0, 150))
        )
        if at > now:
            return
        coordinator = rng.choice(self.coordinators)
        lines = self.plan_lines(p)
        p.status = Status.ASSIGNED
        p.version += 1
        plan = [{"department": d.name, "mode": m, "mode_label": MODE_LABEL[m]} for d, m in lines]
        self.log(batch, p, Kind.ASSIGNED, coordinator, at, old=Status.ACCEPTED, new=Status.ASSIGNED, plan=plan)
        assignments = [self.new_assignment(p, d, m, at, coordinator) for d, m in lines]
        url = self.url_proposal.format(p.id)
        for a in assignments:
            due = formats.date_format(a.due.sign_due, "DATE_FORMAT")
            self.notify(
                batch,
                [*a.dept.clerks, a.dept.leader],
                f"新交办：《{p.title}》（{MODE_LABEL[a.mode]}），请于{due}前签收。",
                url,
                at,
                NotificationKind.ASSIGNED,
            )
        handled = "、".join(f"{a.dept.name}（{MODE_LABEL[a.mode]}）" for a in assignments)
        self.notify(
            batch,
            [d.user_id for d in p.signers],
            f"您的建议《{p.title}》已交办：{handled}。",
            url,
            at,
            NotificationKind.ASSIGNED,
        )
        if rng.random() < 0.005:
            marked = self.days_after(at, 1, 10)
            if marked <= now:
                p.is_key = True
                p.leader = rng.choice(V.KEY_LEADERS) + self.person()
                p.key_note = V.KEY_NOTES[0].format(leader=p.leader)
                self.log(batch, p, Kind.KEY_MARKED, coordinator, marked, message=p.key_note, leader=p.leader)

        self.all_assignments = list(assignments)
        # co-handlers first: the lead's reply waits for their opinions
        opinions = {}
        for a in [a for a in assignments if a.mode == Mode.COHANDLER]:
            current = self.handle_start(batch, a)
            opinions[current.id] = (current, self.opinion(batch, current) if current.signed_at else None)
        for a in [a for a in assignments if a.mode == Mode.REFERENCE]:
            self.handle_start(batch, a)
        settles = []
        for a in [a for a in assignments if a.mode in (Mode.LEAD, Mode.SEPARATE)]:
            current = self.handle_start(batch, a)
            settles.append(self.answer(batch, current, list(opinions.values())))
        for a in self.all_assignments:
            self.emit_assignment(batch, a)
        # 办结: when the last reply owed is settled (rehandling.check_closing)
        if settles and all(st is not None for st in settles):
            at = max(st[0] for st in settles)
            if at <= now:
                actor = max(settles, key=lambda st: st[0])[1]
                note = (
                    "全部答复已签发。"
                    + "；".join(
                        f"{name}：{reason}"
                        for _at, _actor, name, reason, _order in sorted(settles, key=lambda st: st[4])
                    )
                    + "。"
                )
                p.status = Status.CLOSED
                p.version += 1
                p.closed_at = at
                p.closing_note = note
                self.log(batch, p, Kind.CLOSED, actor, at, old=Status.ASSIGNED, new=Status.CLOSED, message=note)
                self.notify(batch, [d.user_id for d in p.signers], f"您的第{p.number}号建议已办结。", url, at)

    def new_assignment(self, p, dept, mode, at, actor, round_=1):
        a = A()
        a.id = self.ids.take("assignment")
        a.p, a.dept, a.mode, a.assigned_at, a.assigned_by = p, dept, mode, at, actor
        a.is_active = True
        a.signed_at = a.signed_by = a.replied_at = a.last_chased_at = None
        a.due, basis = self.deadlines_for(at.date(), mode)
        a.basis = basis
        a.reply_due, a.max_reply_due = a.due.reply_due, a.due.max_reply_due
        a.round = round_
        a.version = 1
        a.clerk = self.rng.choice(dept.clerks)
        return a

    def handle_start(self, batch, a):
        """Signing for, or a reassignment request first; returns the assignment in force."""
        rng, now, p = self.rng, self.now, a.p
        if a.mode != Mode.REFERENCE and a.round == 1 and rng.random() < 0.02:
            requested = self.days_after(a.assigned_at, 0.5, 5)
            if requested.date() <= a.due.reassign_until and requested <= now:
                return self.reassignment(batch, a, requested)
        forced = self.forced(a, "unsigned")
        late = rng.random() < 0.05
        signed = self.days_after(a.assigned_at, 3, 8) if late else self.days_after(a.assigned_at, 0.05, 3)
        if not forced and signed <= now:
            a.signed_at, a.signed_by = signed, a.clerk
            a.version += 1
            self.log(batch, p, Kind.SIGNED, a.clerk, signed, department=a.dept.name)
        return a

    def forced(self, a, stage):
        """The bench departments get some work in each state in the latest session, however
        few proposals there are."""
        if not (self.latest and a.dept.bench and a.mode == Mode.LEAD and a.round == 1):
            return False
        if a.dept.forced.get(stage, 0) > 0:
            a.dept.forced[stage] -= 1
            return True
        return False

    def reassignment(self, batch, a, requested):
        rng, p = self.rng, a.p
        used = {x.dept.id for x in self.all_assignments if x.is_active}
        candidates = [d for d in self.departments if d.id not in used]
        if not candidates:
            return a
        target = rng.choice(candidates)
        reason = V.REASSIGN_REASONS[0].format(dept=target.name)
        rid = self.ids.take("request")
        self.log(
            batch,
            p,
            Kind.REASSIGNMENT_REQUESTED,
            a.clerk,
            requested,
            message=reason,
            department=a.dept.name,
            suggested=target.name,
        )
        self.notify(
            batch, self.coordinators, f"{a.dept.name}申请调整《{p.title}》的交办。", self.url_requests, requested
        )
        decided = self.office(self.days_after(requested, 1, 4))
        coordinator = rng.choice(self.coordinators)
        if decided > self.now:
            batch.add(
                "request",
                (
                    rid,
                    a.id,
                    "reassign",
                    reason,
                    target.id,
                    None,
                    a.clerk,
                    requested,
                    "pending",
                    None,
                    None,
                    "",
                    None,
                    None,
                ),
            )
            return a
        if rng.random() < 0.7:
            note = "同意调整。"
            batch.add(
                "request",
                (
                    rid,
                    a.id,
                    "reassign",
                    reason,
                    target.id,
                    None,
                    a.clerk,
                    requested,
                    "approved",
                    coordinator,
                    decided,
                    note,
                    target.id,
                    None,
                ),
            )
            a.is_active = False
            a.version += 1
            moved = self.new_assignment(p, target, a.mode, decided, coordinator, a.round)
            self.all_assignments.append(moved)
            # assigning.decide_reassignment passes the two names as `old`/`new` of log(), which
            # are the event's status columns; the timeline template reads them from details
            # (see EVENT_NAMES_IN_DETAILS).
            self.names_event(
                batch,
                p,
                Kind.REASSIGNMENT_APPROVED,
                coordinator,
                decided,
                note,
                {"old": a.dept.name, "new": target.name},
            )
            self.notify(
                batch,
                [*a.dept.clerks, a.dept.leader],
                f"调整申请已同意：《{p.title}》已改由{target.name}承办。",
                self.url_proposal.format(p.id),
                decided,
            )
            return self.handle_start(batch, moved)
        note = "经研究，该建议所提事项与你单位职责密切相关，请继续办理。"
        batch.add(
            "request",
            (
                rid,
                a.id,
                "reassign",
                reason,
                target.id,
                None,
                a.clerk,
                requested,
                "refused",
                coordinator,
                decided,
                note,
                None,
                None,
            ),
        )
        self.log(batch, p, Kind.REASSIGNMENT_REFUSED, coordinator, decided, message=note, department=a.dept.name)
        signed = self.days_after(decided, 0.05, 2)
        if signed <= self.now:
            a.signed_at, a.signed_by = signed, a.clerk
            a.version += 1
            self.log(batch, p, Kind.SIGNED, a.clerk, signed, department=a.dept.name)
        return a

    # --- co-handler opinions -------------------------------------------------------------------------

    def opinion(self, batch, a):
        """The co-handler's opinion to the lead department; returns when it was signed (None
        if not, or not by now)."""
        rng, p = self.rng, a.p
        due = datetime.datetime.combine(a.due.opinion_due, datetime.time(17), CHINA)
        u = rng.random()
        if u < 0.015:
            signed = None  # never given: the lead asks the office to waive it
        elif u < 0.13:
            signed = self.days_after(due, 1, 20)
        else:
            signed = self.between(a.signed_at + 5 * DAY, due)
        if signed is not None:
            signed = self.office(max(signed, a.signed_at + 2 * DAY))
            signed = min(signed, self.sign_by())
        started = self.days_after(a.signed_at, 0.2, 5)
        if signed is not None:
            started = min(started, signed - DAY)
        started = max(started, a.signed_at + MINUTE)
        if started > self.now:
            return None
        r = self.new_reply(a, Reply.Kind.OPINION, started)
        lead = next((x for x in self.all_assignments if x.mode == Mode.LEAD and x.is_active), None)
        r.lead_dept = lead.dept if lead else None
        count = len(p.suggestions)
        keep = sorted(rng.sample(range(count), min(count, rng.randint(1, 2))))
        r.sections = [p.suggestions[i] for i in keep]
        r.category = ""
        r.disclosure = scaffold.Disclosure.NOT_PUBLIC
        r.summary = ""
        submit_by = self.submit_time(r, signed)
        save = self.between(started + 10 * MINUTE, submit_by - 5 * MINUTE)
        if rng.random() < 0.15:
            self.contacts(batch, a, save - MINUTE, 1)
        self.drafting(batch, r, signed, submit_by=submit_by, save=save)
        if r.signed_at is not None:
            self.chase(batch, a, r.signed_at, 0.2)
            return r.signed_at
        self.chase(batch, a, self.now, 0.2)
        return None

    def sign_by(self):
        """Every signature of a session falls before the next session opens, so each
        department's yearly document series is numbered in signing order session by session."""
        s = self.session
        if self.latest:
            return self.now + 3650 * DAY
        opens = (
            s.opens_on.replace(year=s.opens_on.year + 1)
            if not (s.opens_on.month == 2 and s.opens_on.day == 29)
            else s.opens_on.replace(year=s.opens_on.year + 1, day=28)
        )
        return datetime.datetime.combine(opens - 2 * DAY, datetime.time(16), CHINA)

    # --- replies ----------------------------------------------------------------------------------------

    def answer(self, batch, a, opinions):
        """The lead's or a separate department's reply, its feedback and what follows; returns
        (settled at, actor, department name, reason, order) or None while it is not settled."""
        rng, now, p = self.rng, self.now, a.p
        if a.signed_at is None:
            self.chase(batch, a, now, 0.6)
            return None
        due = datetime.datetime.combine(a.reply_due, datetime.time(17), CHINA)
        # an extension first, now and then (asked for before the reply, of course)
        asked = None
        if a.round == 1 and rng.random() < 0.05:
            asked = self.extension(batch, a)
            due = datetime.datetime.combine(a.reply_due, datetime.time(17), CHINA)
        u = rng.random()
        straggler = (not self.latest) and self.session.index >= self.o.sessions - 3 and rng.random() < 0.004
        span = due - a.assigned_at
        if straggler:
            target = None
        elif u < 0.08:
            target = self.days_after(due, 1, 30)
        else:
            target = a.assigned_at + span * (0.45 + 0.55 * rng.random() ** 0.6)
        stage = None
        for name in ("draft", "review"):
            if self.forced(a, name):
                stage = name
                break
        if target is not None:
            target = self.office(max(target, a.signed_at + 7 * DAY, (asked or a.signed_at) + 2 * DAY))
        # the lead waits for the co-handlers' opinions, or has the office waive a missing one
        waivers = []
        if a.mode == Mode.LEAD and target is not None:
            for co, given in opinions:
                if not co.is_active:
                    continue
                if given is not None and given <= target + 20 * DAY:
                    target = max(target, self.days_after(given, 1, 3))
                else:
                    waivers.append(co)
        if stage == "draft":
            target = now + 20 * DAY
        elif stage == "review":
            target = now + 2 * DAY
        if target is not None and not stage:
            target = min(target, self.sign_by())
        started = self.days_after(a.signed_at, 0.5, 12)
        if target is not None:
            started = min(started, target - 2 * DAY)
        if stage == "draft":
            started = now - self.rng.uniform(3, 8) * DAY
        elif stage == "review":
            started = now - 10 * DAY
        started = max(started, a.signed_at + MINUTE)
        if started > now:
            self.chase(batch, a, now, 0.6)
            return None
        r = self.new_reply(a, Reply.Kind.REPLY, started)
        if a.mode == Mode.LEAD:
            r.sections = list(p.suggestions)
        else:
            count = len(p.suggestions)
            keep = sorted(rng.sample(range(count), min(count, rng.randint(1, 3))))
            r.sections = [p.suggestions[i] for i in keep]
        r.category = rng.choices(("A", "B", "C", "D"), cum_weights=(45, 85, 97, 100))[0]
        if p.agrees:
            r.disclosure = rng.choices(
                (
                    scaffold.Disclosure.PUBLIC,
                    scaffold.Disclosure.SUMMARY,
                    scaffold.Disclosure.TITLE_ONLY,
                    scaffold.Disclosure.ON_REQUEST,
                    scaffold.Disclosure.NOT_PUBLIC,
                ),
                cum_weights=(76, 84, 88, 98, 100),
            )[0]
        else:
            r.disclosure = scaffold.Disclosure.ON_REQUEST if rng.random() < 0.8 else scaffold.Disclosure.NOT_PUBLIC
        r.summary = ""
        if r.disclosure == scaffold.Disclosure.SUMMARY:
            r.summary = (
                self.fill(rng.choice(p.topic.measures), p)
                + "，"
                + self.fill(rng.choice(V.REPLY_NEXT), p, dept=a.dept.short)
                + "。"
            )
        submit_by = self.submit_time(r, target)
        if stage == "review":
            submit_by = now - 2 * DAY
        submit_by = max(submit_by, started + HOUR)
        if a.mode == Mode.LEAD and target is not None:
            # the quality gate at sending for signature wants every co-handler's opinion signed
            # (or waived): a later opinion moves the sending, or the office waives it
            for co, given in opinions:
                if co.is_active and co not in waivers and given is not None and given > submit_by - HOUR:
                    if stage:
                        waivers.append(co)
                    else:
                        submit_by = given + rng.uniform(1, 24) * HOUR
                        target = max(target, submit_by + HOUR)
        if stage == "draft":
            save = self.between(started + 10 * MINUTE, now - HOUR)
        else:
            save = self.between(started + 10 * MINUTE, submit_by - 5 * MINUTE)
        # contacts before the reply is written up (contact_required: the quality gate wants one
        # dated by the day it is sent for signing)
        n = rng.choices((1, 2, 3), cum_weights=(75, 95, 100))[0]
        contacts = self.contacts(batch, a, save - MINUTE, n)
        r.signers = p.signers
        r.lead_dept = None
        ready = [given for co, given in opinions if co.is_active and co not in waivers and given is not None]
        for co in waivers:
            waived = max(
                submit_by - self.rng.uniform(0.2, 2) * DAY,
                datetime.datetime.combine(co.due.opinion_due + DAY, datetime.time(10), CHINA),
            )
            if waived >= submit_by:
                waived = submit_by - HOUR
            if waived <= now:
                coordinator = rng.choice(self.coordinators)
                reason = V.WAIVER_REASONS[0]
                batch.add("waiver", (self.ids.take("waiver"), co.id, reason, coordinator, waived))
                self.log(batch, p, Kind.OPINION_WAIVED, coordinator, waived, message=reason, department=co.dept.name)
                ready.append(waived)
            else:
                target = None  # not waived yet: the reply cannot be sent for signing
        if stage == "review" and waivers and target is None:
            target = now + 2 * DAY
        r.ready = max(ready) if a.mode == Mode.LEAD and ready else None
        self.drafting(batch, r, target, submit_by=submit_by, save=save, stage=stage)
        reply_settle = None
        if r.signed_at is not None:
            self.chase(batch, a, r.signed_at, 0.6)
            reply_settle = self.feedback(batch, r, contacts)
        else:
            self.chase(batch, a, now, 0.6)
        return reply_settle

    def new_reply(self, a, kind, started):
        r = R()
        r.id = self.ids.take("reply")
        r.a, r.kind, r.round = a, kind, a.round
        r.clerk, r.leader = a.clerk, a.dept.leader
        r.created_at = started
        r.saves, r.submits, r.returns = [], [], []
        r.signed_at = None
        r.commitments = []
        r.number, r.serial, r.year = "", None, None
        r.signers = []
        r.lead_dept = None
        r.ready = None
        r.texts = None
        r._batch = None
        return r

    def submit_time(self, r, target):
        if target is None:
            return self.now + 30 * DAY
        return max(target - self.rng.uniform(0.1, 3) * DAY, r.created_at + HOUR)

    def drafting(self, batch, r, target, *, submit_by, save, stage=None):
        """Saves, review (sometimes returned), signature; `target` is when it is signed
        (None: not in sight)."""
        rng, now, a, p = self.rng, self.now, r.a, r.a.p
        r.saves.append(save)
        submit = submit_by
        # the leader returns the first version with a comment (ReviewComment); it was sent once
        # everything the quality gate asks for was there
        ready = max(save, r.ready) if r.ready else save
        if target is not None and stage is None and rng.random() < 0.1 and submit_by - ready > 4 * HOUR:
            first = self.between(ready + 5 * MINUTE, submit_by - 3 * HOUR)
            back = first + rng.uniform(0.5, 2) * HOUR
            resave = back + rng.uniform(0.2, 0.8) * HOUR
            r.submits.append(first)
            r.returns.append((back, rng.choice(V.REVIEW_COMMENTS)))
            r.saves.append(resave)
            submit = max(submit_by, resave + 10 * MINUTE)
        if target is not None or stage == "review":
            r.submits.append(submit)
        if target is not None and stage is None:
            r.signed_at = max(target, submit + 10 * MINUTE)
            if r.signed_at > now:
                r.signed_at = None
        if r.kind == Reply.Kind.REPLY and r.category in ("B", "C") and save <= now:
            # 跟踪办理: the promises are listed with the first draft
            for _ in range(rng.randint(1, 2)):
                created = save + 30 * datetime.timedelta(seconds=1)
                due = created.date() + datetime.timedelta(days=rng.randint(60, 540))
                text = self.fill(rng.choice(V.COMMITMENTS), p, year=due.year)
                r.commitments.append((self.ids.take("commitment"), text, due, created))
        if r.signed_at is not None:
            a.replied_at = r.signed_at  # assigning.mark_replied
            a.version += 1
        r._batch = batch
        self.pending_docs.append(r)

    def contacts(self, batch, a, end, n):
        """Contact records (沟通) dated between the assignment and `end`; returns the
        (date, form, recorded at) of those recorded by now."""
        rng, now, p = self.rng, self.now, a.p
        first_day = max(a.assigned_at.date(), (a.signed_at or a.assigned_at).date())
        last_day = min(end.date(), now.date())
        out = []
        if last_day < first_day:
            return out
        for _ in range(n):
            day = first_day + datetime.timedelta(days=rng.randint(0, (last_day - first_day).days))
            recorded = datetime.datetime.combine(day, datetime.time(17), CHINA) + datetime.timedelta(
                hours=rng.uniform(0, 20)
            )
            recorded = min(recorded, end)
            if recorded > now or recorded.date() < day:
                continue
            form = rng.choices(
                ("phone", "in_person", "forum", "site_visit", "letter", "other"), cum_weights=(45, 65, 75, 85, 95, 100)
            )[0]
            agreement = rng.choices(("agreed", "partly", "disagreed"), cum_weights=(85, 98, 100))[0]
            cid = self.ids.take("contact")
            office = rng.choice(V.OFFICES)
            participants = rng.choice(V.CONTACT_PARTICIPANTS).format(office=office, a=self.person(), b=self.person())
            said = self.fill(rng.choice(V.DEPUTY_SAID), p)
            batch.add("contact", (cid, a.id, day, form, participants, said, agreement, a.clerk, recorded))
            label = f"{FORM_LABEL[form]} · {AGREEMENT_LABEL[agreement]}"
            self.log(
                batch, p, Kind.CONTACT_RECORDED, a.clerk, recorded, message=label, contact=cid, department=a.dept.name
            )
            out.append((day, form, recorded))
        out.sort()
        return out

    def extension(self, batch, a):
        rng, p = self.rng, a.p
        due = datetime.datetime.combine(a.reply_due, datetime.time(17), CHINA)
        requested = max(a.signed_at + DAY, due - rng.uniform(5, 25) * DAY)
        if requested > self.now:
            return None
        until = min(a.max_reply_due, a.reply_due + datetime.timedelta(days=rng.randint(30, 75)))
        if until <= a.reply_due:
            return None
        reason = rng.choice(V.EXTENSION_REASONS)
        rid = self.ids.take("request")
        self.log(
            batch,
            p,
            Kind.EXTENSION_REQUESTED,
            a.clerk,
            requested,
            message=reason,
            department=a.dept.name,
            until=until.isoformat(),
        )
        decided = self.office(self.days_after(requested, 1, 4))
        coordinator = rng.choice(self.coordinators)
        if decided > self.now:
            batch.add(
                "request",
                (rid, a.id, "extend", reason, None, until, a.clerk, requested, "pending", None, None, "", None, None),
            )
            return requested
        if rng.random() < 0.85:
            note = "同意延期。"
            batch.add(
                "request",
                (
                    rid,
                    a.id,
                    "extend",
                    reason,
                    None,
                    until,
                    a.clerk,
                    requested,
                    "approved",
                    coordinator,
                    decided,
                    note,
                    None,
                    until,
                ),
            )
            old = a.reply_due
            basis = json.loads(a.basis)
            basis["reply_due"] = f"经批准延期：{old.isoformat()} → {until.isoformat()}"
            a.basis = _json(basis)
            a.reply_due = until
            a.version += 1
            self.names_event(
                batch,
                p,
                Kind.EXTENSION_APPROVED,
                coordinator,
                decided,
                note,
                {"department": a.dept.name, "old": old.isoformat(), "new": until.isoformat()},
            )
            date_text = formats.date_format(until, "DATE_FORMAT")
            self.notify(
                batch,
                [*a.dept.clerks, a.dept.leader, *[d.user_id for d in p.signers]],
                f"《{p.title}》的答复期限已延至{date_text}。",
                self.url_proposal.format(p.id),
                decided,
            )
        else:
            note = "该建议应按期答复，不同意延期。"
            batch.add(
                "request",
                (
                    rid,
                    a.id,
                    "extend",
                    reason,
                    None,
                    until,
                    a.clerk,
                    requested,
                    "refused",
                    coordinator,
                    decided,
                    note,
                    None,
                    None,
                ),
            )
            self.log(batch, p, Kind.EXTENSION_REFUSED, coordinator, decided, message=note, department=a.dept.name)
        return requested

    def chase(self, batch, a, until, probability):
        """催办 of an assignment that went past its due date before `until`."""
        due = a.reply_due if a.mode in (Mode.LEAD, Mode.SEPARATE) else a.due.opinion_due
        if due is None:
            return
        at = self.work_time(due + datetime.timedelta(days=self.rng.randint(3, 12)))
        if at < min(until, self.now) and self.rng.random() < probability:
            coordinator = self.rng.choice(self.coordinators)
            message = V.CHASE_MESSAGES[0]
            a.last_chased_at = at
            self.log(batch, a.p, Kind.CHASED, coordinator, at, message=message, department=a.dept.name)
            self.notify(
                batch,
                [*a.dept.clerks, a.dept.leader],
                f"催办：请抓紧办理《{a.p.title}》（{MODE_LABEL[a.mode]}）。{message}",
                self.url_proposal.format(a.p.id),
                at,
            )

    # --- feedback, re-handling -------------------------------------------------------------------------

    def feedback(self, batch, r, contacts):
        rng, now, a, p = self.rng, self.now, r.a, r.a.p
        signed = r.signed_at
        until = add_months(signed.date(), 1)
        window_end = datetime.datetime.combine(until, datetime.time(20), CHINA)
        contacted = "none"
        for _day, form, recorded in contacts:
            if recorded <= signed:
                contacted = form
                break
        mix = (85, 97, 100) if r.round == 1 else (75, 95, 100)
        responses = []
        for i, dep in enumerate(r.signers):
            if rng.random() >= (0.97 if i == 0 else 0.6):
                continue
            at = self.between(signed + 2 * HOUR, window_end)
            overall = rng.choices(("satisfied", "basic", "dissatisfied"), cum_weights=mix)[0]
            if overall == "satisfied":
                attitude = result = Rating.SATISFIED
            elif overall == "basic":
                attitude = Rating.SATISFIED if rng.random() < 0.5 else Rating.BASIC
                result = Rating.BASIC
            else:
                attitude = Rating.BASIC if rng.random() < 0.6 else Rating.DISSATISFIED
                result = Rating.DISSATISFIED
            responses.append((at, dep, attitude, result))
        responses.sort(key=lambda x: (x[0], x[1].id))
        dissatisfied = [x for x in responses if Rating.DISSATISFIED in (x[2], x[3])]
        decided = None
        if dissatisfied:
            decided = self.office(self.days_after(dissatisfied[0][0], 3, 20))
            responses = [x for x in responses if x[0] < decided]
        given = []
        for at, dep, attitude, result in responses:
            if at > now:
                continue
            is_bad = Rating.DISSATISFIED in (attitude, result)
            if is_bad:
                comments = self.fill(rng.choice(V.DISSATISFIED_COMMENTS), p)
            else:
                comments = rng.choice(V.SATISFIED_COMMENTS) if rng.random() < 0.3 else ""
            batch.add(
                "feedback",
                (
                    self.ids.take("feedback"),
                    r.id,
                    dep.id,
                    True,
                    attitude,
                    result,
                    contacted,
                    comments,
                    dep.user_id,
                    at,
                    at,
                ),
            )
            message = f"{dep.name}：办理态度{RATING_LABEL[attitude]}，办理结果{RATING_LABEL[result]}"
            self.log(batch, p, Kind.FEEDBACK, dep.user_id, at, message=message, reply=r.id, department=a.dept.name)
            if is_bad:
                self.notify(
                    batch,
                    self.coordinators,
                    f"{dep.name}对{a.dept.name}关于第{p.number}号建议的答复不满意，请研究是否重新办理。",
                    self.url_reply.format(r.id),
                    at,
                )
            given.append((at, dep))
        # the daily job records 未反馈 once the window has closed
        job = datetime.datetime.combine(until + DAY, datetime.time(0, 30), CHINA)
        answered = {dep.id for _at, dep in given}
        if job <= now:
            for dep in r.signers:
                if dep.id not in answered:
                    batch.add(
                        "feedback", (self.ids.take("feedback"), r.id, dep.id, False, "", "", "", "", None, job, job)
                    )
        order = (0 if a.mode == Mode.LEAD else 1, a.id)
        if dissatisfied:
            if decided > now:
                return None
            return self.rehandling(batch, r, decided, order)
        if len(given) == len(r.signers) and given:
            last = max(given, key=lambda x: x[0])
            return (last[0], last[1].user_id, a.dept.name, "代表对答复满意或基本满意", order)
        if job <= now:
            return (job, None, a.dept.name, "反馈期限已过", order)
        return None

    def rehandling(self, batch, r, decided, order):
        rng, a, p = self.rng, r.a, r.a.p
        coordinator = rng.choice(self.coordinators)
        if r.round >= 2 or rng.random() < 0.3:
            explanation = V.DECLINE_EXPLANATIONS[0].format(dept=a.dept.name)
            batch.add(
                "decision", (self.ids.take("decision"), r.id, "declined", None, None, explanation, coordinator, decided)
            )
            self.log(batch, p, Kind.REHANDLING_DECLINED, coordinator, decided, message=explanation)
            return (decided, coordinator, a.dept.name, f"交办机构说明：{explanation}", order)
        dept = a.dept
        if rng.random() < 0.15:
            used = {x.dept.id for x in self.all_assignments if x.is_active}
            others = [d for d in self.departments if d.id not in used]
            dept = rng.choice(others) if others else dept
        a.is_active = False
        a.version += 1
        new = self.new_assignment(p, dept, a.mode, decided, coordinator, a.round + 1)
        due, basis = deadlines.rehandling_due(decided.date(), deadlines.Policy())
        new.reply_due = new.max_reply_due = due
        b = json.loads(new.basis)
        b["reply_due"] = basis
        b["max_reply_due"] = basis
        new.basis = _json(b)
        self.all_assignments.append(new)
        batch.add("decision", (self.ids.take("decision"), r.id, "ordered", dept.id, new.id, "", coordinator, decided))
        self.log(batch, p, Kind.REHANDLING_ORDERED, coordinator, decided, department=dept.name, round=new.round)
        url = self.url_proposal.format(p.id)
        self.notify(
            batch,
            [*dept.clerks, dept.leader],
            f"交办机构要求重新办理第{p.number}号建议（第{new.round}轮），"
            f"请于{formats.date_format(due, 'DATE_FORMAT')}前答复。",
            url,
            decided,
            NotificationKind.REHANDLING_ORDERED,
        )
        self.notify(
            batch,
            [d.user_id for d in p.signers],
            f"您的第{p.number}号建议将由{dept.name}重新办理（第{new.round}轮）。",
            url,
            decided,
            NotificationKind.REHANDLING_ORDERED,
        )
        # the new round is owed now; the office's closing note names its department
        return self.answer(batch, self.handle_start(batch, new), [])

    # =====================================================================================================
    # rows
    # =====================================================================================================

    def emit_proposal(self, batch, p):
        search_text = "\n".join([p.title, *(t for _id, t in p.suggestions)])
        batch.add(
            "proposal",
            (
                p.id,
                p.session.id,
                p.number,
                p.title,
                p.body,
                p.lead.id,
                p.category_id,
                p.agrees,
                p.status,
                p.channel,
                p.merged_into,
                p.review_message,
                p.not_accepted_reason,
                p.disposition,
                p.is_key,
                p.leader,
                p.key_note,
                search_text,
                p.version,
                p.created_by,
                p.created_at,
                p.updated_at,
                p.submitted_at,
                p.accepted_at,
                p.closed_at,
                p.closing_note,
            ),
        )
        self.stats[f"status:{p.status}"] += 1

    def emit_assignment(self, batch, a):
        d = a.due
        batch.add(
            "assignment",
            (
                a.id,
                a.p.id,
                a.dept.id,
                a.mode,
                a.assigned_at,
                a.assigned_by,
                a.is_active,
                a.signed_at,
                a.signed_by,
                d.sign_due,
                d.reassign_until,
                a.reply_due,
                a.max_reply_due,
                d.opinion_due,
                a.basis,
                d.provisional,
                a.replied_at,
                a.round,
                a.last_chased_at,
                a.version,
            ),
        )
        self.stats[f"mode:{a.mode}"] += 1

    def reply_texts(self, r):
        """The words of a reply, written once: a body per section and the closing paragraphs
        (every version of one reply shows the same words, as far as it got)."""
        rng = Random(r.id)  # noqa: S311  # nosec B311 - test data, not secrets
        a, p = r.a, r.a.p
        year = p.session.opens_on.year
        bodies = []
        for _sid, _text in r.sections:
            measure = self.fill_with(rng, rng.choice(p.topic.measures), p)
            if r.kind == Reply.Kind.REPLY:
                bodies.append(
                    self.fill_with(rng, rng.choice(V.REPLY_OPENINGS), p, dept=a.dept.short)
                    + f"{year}年，{a.dept.short}{measure}。"
                    + self.fill_with(rng, rng.choice(V.REPLY_NEXT), p, dept=a.dept.short)
                    + "。"
                )
            else:
                bodies.append(self.fill_with(rng, rng.choice(V.OPINION_BODIES), p, measure=f"{a.dept.short}{measure}"))
        if r.kind == Reply.Kind.REPLY:
            closing = [
                self.fill_with(rng, rng.choice(V.REPLY_NEXT), p, dept="我们") + "。",
                f"感谢您对{p.keyword}工作的关注与支持。",
            ]
        else:
            closing = [scaffold.OPINION_CLOSING]
        return bodies, closing

    def content(self, r, *, filled, final, number="", day=None, draft=False):
        """The reply's ReplyContent at one of its versions: `filled` sections written,
        `final` with the closing paragraphs written (no placeholder left); `draft` is the
        first draft the system generates (scaffold.build / build_opinion)."""
        a, p = r.a, r.a.p
        s = p.session
        if r.texts is None:
            r.texts = self.reply_texts(r)
        bodies, final_closing = r.texts
        title_template = scaffold.DEFAULT_TITLE if r.kind == Reply.Kind.REPLY else scaffold.OPINION_TITLE
        title = title_template.replace("{会议全称}", s.name).replace("{建议号}", str(p.number))
        # the generated first draft has a section per suggestion; the writer keeps the ones
        # a separate department or a co-handler answers
        Section = scaffold.Section
        if draft:
            sections = [
                Section(heading=f"关于“{text}”的建议", body="", suggestions=[sid]) for sid, text in p.suggestions
            ]
        else:
            sections = [
                Section(heading=f"关于“{text}”的建议", body=bodies[i] if i < filled else "", suggestions=[sid])
                for i, (sid, text) in enumerate(r.sections)
            ]
        if r.kind == Reply.Kind.REPLY:
            confirmed = len(p.signers) - 1
            addressee = f"{p.lead.name}代表：" if not confirmed else f"{p.lead.name}等{confirmed + 1}位代表："
            opening = scaffold.OPENING.format(session=s.name, title=p.title)
            closing = list(final_closing) if final else [scaffold.NEXT_STEPS, scaffold.THANKS]
            cc = (
                "全国人大常委会代表工作委员会，国务院办公厅" if a.dept.is_government else "全国人大常委会代表工作委员会"
            )
            category = r.category if filled else ""
            if filled:
                disclosure = r.disclosure
            else:
                disclosure = scaffold.Disclosure.PUBLIC if p.agrees else scaffold.Disclosure.ON_REQUEST
            summary = r.summary if filled else ""
        else:
            addressee = f"{r.lead_dept.name}：" if r.lead_dept else ""
            opening = scaffold.OPINION_OPENING.format(deputy=p.lead.name, session=s.name, title=p.title)
            closing = [scaffold.OPINION_CLOSING]
            cc = ""
            category = ""
            disclosure = scaffold.Disclosure.NOT_PUBLIC
            summary = ""
        return scaffold.ReplyContent(
            title=title,
            addressee=addressee,
            opening=opening,
            sections=sections,
            closing=closing,
            signature=a.dept.name,
            date=day,
            number=number,
            disclosure=disclosure,
            contact_name=self.usernames_full.get(r.clerk, ""),
            contact_phone=a.dept.phone,
            cc=cc,
            category=category,
            summary=summary,
        )

    def fill_with(self, rng, pattern, p, **extra):
        random = rng.random
        values = {
            "kw": p.keyword,
            "n": 2 + int(random() * 299),
            "m": 3 + int(random() * 29),
            "p": 10 + int(random() * 51),
            "k": 2 + int(random() * 4),
            "region": V.REGION_WORD.get(p.lead.delegation, "我省"),
            "year": p.session.opens_on.year,
        }
        values.update(extra)
        return pattern.format_map(values)

    def emit_reply(self, r):
        batch = r._batch
        now, a, p = self.now, r.a, r.a.p
        rid = r.id
        versions = []  # (number, kind, content, at, actor, note, document_number)
        scaffold_content = self.content(r, filled=0, final=False, draft=True)
        versions.append((ReplyVersion.Kind.CREATED, scaffold_content, r.created_at, r.clerk))
        status = RStatus.DRAFT
        version = 1
        events = []
        n = len(r.sections)
        current = scaffold_content
        updated = r.created_at
        timeline = (
            [(t, "save", None) for t in r.saves]
            + [(t, "submit", None) for t in r.submits]
            + [(t, "return", c) for t, c in r.returns]
        )
        timeline.sort(key=lambda x: x[0])
        # a reply sent for signing by now was complete from the save before it on; a draft
        # still being written has some sections done and the closing placeholders left
        final = r.signed_at is not None or any(t <= now for t in r.submits)
        for at, step, extra in timeline:
            if at > now:
                break
            if step == "save":
                filled = n if final else max(1, (n + 1) // 2)
                current = self.content(r, filled=filled, final=final)
                versions.append((ReplyVersion.Kind.SAVED, current, at, r.clerk))
                version += 1
                updated = at
            elif step == "submit":
                status = RStatus.IN_REVIEW
                version += 1
                events.append((Kind.REPLY_SUBMITTED, r.clerk, at, "", {"reply": rid, "department": a.dept.name}))
                kind_label = "答复" if r.kind == Reply.Kind.REPLY else "协办意见"
                clerk_name = self.usernames_full.get(r.clerk, "")
                self.notify(
                    batch,
                    [r.leader],
                    f"{clerk_name}送审了第{p.number}号建议的{kind_label}，请审核签发。",
                    self.url_reply.format(rid),
                    at,
                )
            else:
                status = RStatus.RETURNED
                version += 1
                batch.add("comment", (self.ids.take("comment"), rid, r.leader, extra, len(versions), at))
                events.append((Kind.REPLY_RETURNED, r.leader, at, "", {"reply": rid}))
        signed_version_id = None
        document_number = ""
        search_text = public = ""
        category = ""
        disclosure = ""
        published_on = feedback_until = None
        signed_by = None
        if r.signed_at is not None:
            day = r.signed_at.date()
            current = self.content(r, filled=n, final=True, number=r.number, day=day)
            if r.kind == Reply.Kind.REPLY:
                current.category = r.category
            versions.append((ReplyVersion.Kind.SIGNED, current, r.signed_at, r.leader))
            status = RStatus.SIGNED
            version += 1
            document_number = r.number
            search_text = current.text()
            public = public_text(p, current)
            disclosure = current.disclosure
            signed_by = r.leader
            if r.kind == Reply.Kind.REPLY:
                category = r.category
                feedback_until = add_months(day, 1)
                if disclosure in scaffold.Disclosure.PUBLISHED:
                    published_on = day
        version_ids = []
        for number, (kind, content, at, actor) in enumerate(versions, 1):
            vid = self.ids.take("version")
            version_ids.append(vid)
            batch.add(
                "version",
                (
                    vid,
                    rid,
                    number,
                    kind,
                    _json(content_json(content)),
                    render_text(content),
                    "",
                    content.number,
                    actor,
                    at,
                ),
            )
        if r.signed_at is not None:
            signed_version_id = version_ids[-1]
        batch.add(
            "reply",
            (
                rid,
                a.id,
                a.dept.id,
                r.kind,
                r.round,
                status,
                _json(content_json(current)),
                version,
                category,
                document_number,
                r.year,
                r.serial,
                r.signed_at,
                signed_by,
                signed_version_id,
                feedback_until,
                disclosure,
                published_on,
                search_text,
                public,
                r.clerk,
                r.created_at,
                updated,
            ),
        )
        self.stats[f"reply:{r.kind}:{status}"] += 1
        for kind, actor, at, message, details in events:
            self.log(batch, p, kind, actor, at, message=message, **details)
        for cid, text, due, created in r.commitments:
            done_at = done_note = None
            if r.signed_at is not None:
                target = datetime.datetime.combine(due, datetime.time(15), CHINA) - datetime.timedelta(
                    days=self.rng.randint(0, 40)
                )
                target = max(target, r.signed_at + DAY)
                if target <= now and self.rng.random() < 0.85:
                    done_at = target
                    done_note = "已按期完成，" + self.fill(self.rng.choice(p.topic.measures), p) + "。"
            batch.add(
                "commitment",
                (cid, rid, text, due, done_at, done_note or "", r.clerk if done_at else None, r.clerk, created),
            )
            if done_at is not None:
                self.log(
                    batch,
                    p,
                    Kind.COMMITMENT_DONE,
                    r.clerk,
                    done_at,
                    message=f"{text}：{done_note}",
                    department=a.dept.name,
                )
                self.notify(
                    batch,
                    [d.user_id for d in r.signers],
                    f"{a.dept.name}对第{p.number}号建议承诺的“{text}”已完成。",
                    self.url_reply.format(rid),
                    done_at,
                    NotificationKind.COMMITMENT_DONE,
                )
            elif r.signed_at is not None and self.rng.random() < 0.3:
                noted = self.between(r.signed_at + DAY, now)
                if noted <= now:
                    batch.add(
                        "note",
                        (
                            self.ids.take("note"),
                            cid,
                            "正在按计划推进，" + self.fill(self.rng.choice(p.topic.measures), p) + "。",
                            r.clerk,
                            noted,
                        ),
                    )
        if r.signed_at is None:
            return
        # 签发: the copies and the event (the assignment's replied_at is set in drafting)
        details = {"reply": rid, "document_number": document_number, "department": a.dept.name}
        url = self.url_reply.format(rid)
        if r.kind == Reply.Kind.REPLY:
            for dep in r.signers:
                batch.add("delivery", (self.ids.take("delivery"), rid, signed_version_id, dep.id, r.signed_at))
            self.log(batch, p, Kind.REPLY_SIGNED, r.leader, r.signed_at, **details)
            self.notify(
                batch,
                [d.user_id for d in r.signers],
                f"{a.dept.name}答复了您的第{p.number}号建议《{p.title}》（{document_number}）。",
                url,
                r.signed_at,
                NotificationKind.REPLY_ISSUED,
            )
            self.notify(
                batch,
                self.coordinators,
                f"{a.dept.name}已签发第{p.number}号建议的答复（{document_number}）。",
                url,
                r.signed_at,
            )
        else:
            self.log(batch, p, Kind.OPINION_SIGNED, r.leader, r.signed_at, **details)
            users = [*r.lead_dept.clerks, r.lead_dept.leader] if r.lead_dept else []
            self.notify(
                batch,
                users,
                f"{a.dept.name}的协办意见（{document_number}）已送达，第{p.number}号建议。",
                url,
                r.signed_at,
            )


NUMERALS = [""] + [chinese_numeral(n) for n in range(1, 100)]


def render_text(c: scaffold.ReplyContent) -> str:
    """scaffold.render_text for the generator's contents, whose section bodies are single
    paragraphs (a test holds the two equal)."""
    lines = [c.number] if c.number else []
    if c.category:
        lines.append(c.category)
    lines += [c.title, c.addressee, c.opening]
    for i, section in enumerate(c.sections, 1):
        lines.append(f"{NUMERALS[i]}、{section.heading}")
        if section.body:
            lines.append(section.body)
    lines += [p for p in c.closing if p.strip()]
    lines.append(c.signature)
    if c.date:
        lines.append(scaffold.chinese_date(c.date))
    lines += c.notes()
    cc = c.cc_line()
    if cc:
        lines.append(cc)
    return "\n".join(line for line in lines if line)


def content_json(c: scaffold.ReplyContent) -> dict:
    """ReplyContent.to_json() without dataclasses.asdict's deep copies (the same dict)."""
    return {
        "title": c.title,
        "addressee": c.addressee,
        "opening": c.opening,
        "sections": [
            {"heading": s.heading, "body": s.body, "suggestions": list(s.suggestions), "category": s.category}
            for s in c.sections
        ],
        "closing": list(c.closing),
        "signature": c.signature,
        "date": c.date.isoformat() if c.date else None,
        "number": c.number,
        "disclosure": c.disclosure,
        "contact_name": c.contact_name,
        "contact_phone": c.contact_phone,
        "cc": c.cc,
        "category": c.category,
        "summary": c.summary,
    }


def _cumulative(weights):
    total = 0.0
    for w in weights:
        total += w
        yield total


def hash_index(text: str, n: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % n


def totp_secret(seed: int, username: str) -> str:
    """A known authenticator secret for a bench account (base32, as the app stores it)."""
    return base64.b32encode(hashlib.sha1(f"jianyi-bench:{seed}:{username}".encode()).digest()).decode()  # noqa: S324  # nosec B324 - a label, not a protection


# --- before a run ---------------------------------------------------------------------------------------

APPS = ("accounts", "proposals", "replies", "reports", "portal", "admin", "sessions")
KEEP = ("proposals_workcalendarday",)  # the official calendar, seeded by a migration


def holds_proposals() -> bool:
    return Proposal.objects.exists()


def conflicts(options: Options) -> list[str]:
    """Names the generator would create that the database already holds (unique columns)."""
    found = []
    names = [d[0] for d in V.DEPARTMENTS[: options.departments]]
    found += [f"单位 {n}" for n in Department.objects.filter(name__in=names).values_list("name", flat=True)[:3]]
    delegations = [f"{n}代表团" for n, _size in V.DELEGATIONS[: options.delegations]]
    found += [f"代表团 {n}" for n in Delegation.objects.filter(name__in=delegations).values_list("name", flat=True)[:3]]
    if (
        User.objects.filter(username__startswith="bench_").exists()
        or User.objects.filter(
            username__regex=r"^(deputy_[0-9]{4}|d[0-9]{3}_(clerk|leader)[0-9]*|coordinator_[0-9]+|load_)"
        ).exists()
    ):
        found.append("generated accounts (bench_*, deputy_NNNN, dNNN_clerkN, …)")
    return found


def reset_database(say=print):
    """Empty every table of the project's apps but the working calendar: TRUNCATE (which the
    append-only triggers of the audit log, the events and the reply versions do not see), then
    DELETE the accounts and departments, which the calendar's `updated_by` keeps TRUNCATE from
    reaching. For scratch databases only."""
    from django.apps import apps

    deleted = [User._meta.db_table, Department._meta.db_table]
    tables = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in APPS and model._meta.managed and not model._meta.proxy:
            table = model._meta.db_table
            if table not in KEEP and table not in deleted and table not in tables:
                tables.append(table)
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in sorted(tables)) + " RESTART IDENTITY")  # nosec B608
        cursor.execute("UPDATE proposals_workcalendarday SET updated_by_id = NULL WHERE updated_by_id IS NOT NULL")
        for table in deleted:
            cursor.execute(f'DELETE FROM "{table}"')  # noqa: S608  # nosec B608
    say(f"reset: emptied {len(tables) + len(deleted)} tables (the working calendar kept)")


def backend_cpu(pids) -> float | None:
    """CPU seconds the loading connections' server processes used (from /proc, when the
    server runs on this machine and we may read it): the load's cost apart from what
    other programs on the machine took."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / tick
    return total
