"""`make bench`: the load benchmark of docs/performance.md ("Benchmark"). Started by bench/run.py,
which provides the virtual environment and the PostgreSQL server; run on its own as

    .venv/bin/python -m bench.harness --server-url postgresql://USER@HOST/ANY [options]

1. The data set: a database of its own per size and seed (jianyi_bench_p<N>_s<S>) on the same
   server, made by `manage.py generate_load_data` and kept between runs: a marker table records
   the size, the seed and a hash of the generator, so a run with the same ones skips generation.
2. gunicorn with the production settings (DEBUG off, a random SECRET_KEY) on a free port of
   127.0.0.1, through bench.settings (query counting, Django admin's changelist for ratio (b)).
3. bench/load.py: the realistic load, the sequential ratio requests and the capacity steps.
4. The raw SQL of each list page, captured from the server, timed with psycopg alone (the floor
   of ratio (a)); the slowest statements of each page over budget.
5. The table: printed, written to bench/results/latest.md and a dated copy, and compared with
   the previous result of the same data size or with --compare FILE.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics as pystats
import subprocess  # runs fixed argument lists (manage.py, gunicorn, the load process)  # nosec B404
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from bench import stats

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench"
GENERATOR_FILES = ("reports/load_data.py", "reports/management/commands/generate_load_data.py")
MARKER_TABLE = "bench_dataset"
BENCH_ACCOUNTS = 20
# The realistic load: 50 signed-in people (the portal's visitors are anonymous).
REALISTIC_USERS = {"coordinator": 8, "clerk": 20, "leader": 6, "deputy": 12, "public": 4}
QUICK_USERS = {"coordinator": 3, "clerk": 6, "leader": 2, "deputy": 4, "public": 2}
# Words the portal search looks for: the first with results is used (policy words the generator's
# texts are likely to hold).
SEARCH_WORDS = ("教育", "医疗", "乡村振兴", "交通", "养老", "就业", "生态", "科技", "农业", "建议")
# The proposal list's filter for "filtered", ratio (b) and its admin equivalent.
FILTER_STATUS = "assigned"


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


# --- options -------------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="make bench ARGS=...", description="Jianyi load benchmark")
    parser.add_argument("--server-url", default="", help=argparse.SUPPRESS)
    parser.add_argument("--proposals", type=int, default=None, help="data set size (default 100000; 2000 with --quick)")
    parser.add_argument("--seed", type=int, default=2024, help="data set seed (default 2024, the generator's)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run: small data, short phases")
    parser.add_argument("--fresh", action="store_true", help="generate the data set again even if it is cached")
    parser.add_argument(
        "--use-database",
        default="",
        metavar="NAME",
        help="measure this existing database as it is, without generating (its name must start with jianyi_bench)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * (os.cpu_count() or 1) + 1,
        help="gunicorn workers (default 2 × cores + 1 = %(default)s)",
    )
    parser.add_argument("--duration", type=int, default=None, help="realistic phase, seconds (default 120; 20 quick)")
    parser.add_argument(
        "--phases", default="realistic,sequential,capacity,jobs", help="which phases to run (default: %(default)s)"
    )
    parser.add_argument("--pages", default="", help="capacity phase: only these page keys (comma-separated)")
    parser.add_argument("--compare", type=Path, default=None, help="an earlier result file to compare with")
    parser.add_argument(
        "--two-factor",
        choices=("on", "off"),
        default="on",
        help="off: sign in without codes (TWO_FACTOR_REQUIRED_ROLES='')",
    )
    args = parser.parse_args(argv)
    if not args.server_url:
        parser.error("run it as `make bench` (bench/run.py provides the PostgreSQL server)")
    if args.proposals is None:
        args.proposals = 2000 if args.quick else 100_000
    if args.duration is None:
        args.duration = 20 if args.quick else 120
    return args


def load_spec(args, targets: list[dict]) -> dict:
    phases = set(args.phases.split(","))
    pages = [p for p in stats.PAGES if not args.pages or p.key in args.pages.split(",")]
    spec = []
    if "realistic" in phases:
        users = QUICK_USERS if args.quick else REALISTIC_USERS
        spec.append({"name": "realistic", "users": users, "duration": args.duration, "settle": 5, "spawn_rate": 10})
    if "sequential" in phases:
        spec.append({"name": "sequential", "targets": targets, "repeat": 8 if args.quick else 15, "warmup": 2})
    if "capacity" in phases:
        spec.append(
            {
                "name": "capacity",
                "pages": [
                    {"page": p.key, "role": p.role, "start_rate": 1 if p.kind == "statistics" else 5} for p in pages
                ],
                "step": 4 if args.quick else 8,
                "settle": 2,
                "factor": 2.0 if args.quick else 1.5,
                "max_rate": 200 if args.quick else 400,
                "users": 64,
                "sessions": 20,
            }
        )
    return {"phases": spec}


# --- the database ----------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def connect(url: str, **kw):
    import psycopg

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    kwargs = {
        "dbname": parts.path.lstrip("/"),
        "user": parts.username or None,
        "password": parts.password or None,
        "host": query.pop("host", None) or parts.hostname,
        "port": parts.port,
        **query,
    }
    return psycopg.connect(**{k: v for k, v in kwargs.items() if v not in (None, "")}, **kw)


def generator_hash() -> str:
    digest = hashlib.sha256()
    for name in GENERATOR_FILES:
        path = ROOT / name
        if not path.exists():
            raise SystemExit(f"[bench] {name} is missing: the data set generator (manage.py generate_load_data)")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dataset_marker(url: str) -> dict | None:
    with contextlib.suppress(Exception), connect(url) as conn:
        row = conn.execute(f"SELECT proposals, seed, generator FROM {MARKER_TABLE}").fetchone()  # noqa: S608 - a constant  # nosec B608
        return {"proposals": row[0], "seed": row[1], "generator": row[2]} if row else None
    return None


def ensure_dataset(args, server_url: str, env: dict) -> str:
    """The URL of a database holding the requested data set, generated unless cached."""
    if args.use_database:
        if not args.use_database.startswith("jianyi_bench"):
            raise SystemExit("[bench] --use-database: the name must start with jianyi_bench")
        url = with_database(server_url, args.use_database)
        manage({**env, "DATABASE_URL": url}, "migrate", "--no-input", "-v", "0")
        return url
    name = f"jianyi_bench_p{args.proposals}_s{args.seed}"
    url = with_database(server_url, name)
    wanted = {"proposals": args.proposals, "seed": args.seed, "generator": generator_hash()}
    marker = None if args.fresh else dataset_marker(url)
    env = {**env, "DATABASE_URL": url}
    if marker == wanted:
        say(f"data set cached in database {name}: {args.proposals} proposals, seed {args.seed}")
        manage(env, "migrate", "--no-input", "-v", "0")
        return url
    reason = "--fresh" if args.fresh else ("generator changed" if marker else "not generated yet")
    say(f"generating the data set in database {name} ({reason}); this is the slow part")
    with connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    manage(env, "migrate", "--no-input", "-v", "0")
    # 20 bench accounts of each role: every simulated user of the realistic load signs in with an
    # account of its own (a two-factor code is good once per account and 30-second step).
    manage(
        env,
        "generate_load_data",
        "--proposals",
        str(args.proposals),
        "--seed",
        str(args.seed),
        "--bench-accounts",
        str(BENCH_ACCOUNTS),
    )
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
        conn.execute(f"CREATE TABLE {MARKER_TABLE} (proposals integer, seed integer, generator text, made timestamptz)")
        conn.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, now())",  # noqa: S608 - a constant  # nosec B608
            (args.proposals, args.seed, wanted["generator"]),
        )
    say(f"data set generated in {time.monotonic() - started:.0f} s")
    return url


def manage(env: dict, *args: str) -> None:
    subprocess.run([str(PY), "manage.py", *args], env=env, cwd=ROOT, check=True)


# --- the plan: accounts and addresses -------------------------------------------------------------


def prepare_accounts_and_plan(args, host: str) -> dict:
    """Gives the bench accounts of the roles that must use two-factor sign-in a confirmed
    authenticator with a fresh secret, clears lockouts and old sessions, and lists what each
    account opens. Needs Django set up (bench settings, the bench database)."""
    from django.conf import settings
    from django.contrib.sessions.models import Session as WebSession
    from django.db.models import Count, Exists, OuterRef
    from django.utils import timezone

    from accounts.models import LoginFailure, LoginLock, Role, TwoFactorDevice, User
    from portal import queries as portal_queries
    from proposals.models import Assignment, Proposal, Session
    from proposals.search import parse
    from replies.models import Reply

    WebSession.objects.all().delete()
    LoginFailure.objects.all().delete()
    LoginLock.objects.all().delete()

    def accounts_of(role, need):
        users = User.objects.filter(role=role, is_active=True).order_by("username")
        bench = users.filter(username__startswith="bench_")
        return list((bench if bench.exists() else users)[: max(need, 1) * 2])

    two_factor_roles = set(settings.TWO_FACTOR_REQUIRED_ROLES) if args.two_factor == "on" else set()
    need = max(REALISTIC_USERS.values())

    def account(user, **urls):
        entry = {"username": user.username, "urls": {k: v for k, v in urls.items() if v}}
        if user.role in two_factor_roles:
            secret = _new_totp_secret()
            TwoFactorDevice.objects.update_or_create(
                user=user, defaults={"secret": secret, "confirmed_at": timezone.now(), "last_step": -1}
            )
            entry["totp"] = secret
        return entry

    today = timezone.localdate()
    in_force = Assignment.objects.current().filter(proposal__session=OuterRef("pk"))
    session = Session.objects.annotate(busy=Exists(in_force)).filter(busy=True).first() or Session.objects.first()
    visible = Proposal.objects.exclude(status=Proposal.Status.DRAFT)
    sample = list(visible.filter(session=session).order_by("?").values_list("pk", flat=True)[:300])
    detail = [f"/proposals/{pk}/" for pk in sample]

    plan_accounts: dict[str, list] = {"coordinator": [], "clerk": [], "leader": [], "deputy": []}
    for user in accounts_of(Role.COORDINATOR, need):
        plan_accounts["coordinator"].append(account(user, proposal_detail=detail))
    for role in (Role.CLERK, Role.LEADER):
        for user in accounts_of(role, need):
            assigned = Assignment.objects.current().filter(department_id=user.department_id)
            details = [f"/proposals/{pk}/" for pk in assigned.values_list("proposal_id", flat=True)[:50]]
            replies = Reply.objects.filter(department_id=user.department_id)
            # the editor of a draft; the reply page of any other reply where a department has none
            drafts = list(replies.filter(status=Reply.Status.DRAFT).values_list("pk", flat=True)[:20])
            editors = [f"/replies/{pk}/" for pk in drafts or replies.values_list("pk", flat=True)[:20]]
            if details and editors:
                plan_accounts[role].append(account(user, proposal_detail=details, reply_editor=editors))
    deputies = (
        User.objects.filter(role=Role.DEPUTY, is_active=True, username__startswith="bench_")
        .annotate(led=Count("deputy__led_proposals"))
        .filter(led__gt=0)
    )
    if not deputies.exists():
        deputies = User.objects.filter(role=Role.DEPUTY, is_active=True)
    for user in deputies.order_by("username")[: need * 2]:
        own = Proposal.objects.filter(lead_deputy__user=user).exclude(status=Proposal.Status.DRAFT)
        plan_accounts["deputy"].append(
            account(user, proposal_detail=[f"/proposals/{pk}/" for pk in own.values_list("pk", flat=True)[:20]])
        )
    User.objects.filter(username__in=[a["username"] for role in plan_accounts.values() for a in role]).update(
        password_changed_at=timezone.now(), must_change_password=False
    )
    missing = [role for role, accounts in plan_accounts.items() if not accounts]
    if missing:
        raise SystemExit(f"[bench] no usable bench accounts for: {', '.join(missing)}")

    published = portal_queries.published(today)
    words = [w for w in SEARCH_WORDS if portal_queries.search(published, parse(w)).exists()][:4] or ["教育"]
    filtered = urlencode({"session": session.pk, "status": FILTER_STATUS})
    admin_filter = urlencode({"session__id__exact": session.pk, "status__exact": FILTER_STATUS})
    return {
        "host": host,
        "password": settings.DEMO_PASSWORD,
        "session": {"id": session.pk, "name": session.name},
        "search_words": words,
        "accounts": {**plan_accounts, "public": [{"username": ""}]},
        "urls": {
            "proposal_list": ["/proposals/"],
            "proposal_list_filtered": [f"/proposals/?{filtered}"],
            "dashboard": ["/proposals/dashboard/"],
            "statistics": ["/reports/statistics/"],
            "inbox": ["/proposals/inbox/"],
            "deputy_home": ["/"],
            "proposal_detail": detail,
            "portal_search": [f"/public/?{urlencode({'q': w})}" for w in words],
            stats.ADMIN_CHANGELIST: [f"/bench-admin/proposals/proposal/?{admin_filter}"],
        },
    }


def _new_totp_secret() -> str:
    import base64

    return base64.b32encode(secrets.token_bytes(20)).decode()


def sequential_targets() -> list[dict]:
    """Every key page once a round, and the admin changelist; each page's first request asks the
    server for its SQL. The load process opens each with the address its session may open."""
    targets = [
        {"page": page.key, "role": "clerk" if page.key == "reply_editor" else page.role, "capture": page.key}
        for page in stats.PAGES
    ]
    return [*targets, {"page": stats.ADMIN_CHANGELIST, "role": "coordinator", "capture": stats.ADMIN_CHANGELIST}]


# --- the app server -----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def app_server(env: dict, workers: int, port: int, logs: Path):
    log = open(logs / "gunicorn.log", "w")  # noqa: SIM115 - closed below
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        str(logs / "access.log"),
    ]
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # nosec B603
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"[bench] gunicorn exited ({proc.returncode}); see {logs / 'gunicorn.log'}")
            if healthy(port):
                break
            if time.monotonic() > deadline:
                raise SystemExit("[bench] gunicorn did not answer /healthz within 60 s")
            time.sleep(0.5)
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:  # our own server  # nosec B310
            return answer.status == 200
    except OSError:
        return False


# --- measuring the raw SQL ------------------------------------------------------------------------------

ROWS_QUERIES = {
    "proposal_list": ("proposals_proposal", 25),
    "proposal_list_filtered": ("proposals_proposal", 25),
    "inbox": ("proposals_assignment", 25),
    "portal_search": ("replies_reply", 20),
}


def captured(capture_dir: Path, page: str) -> list[str]:
    path = capture_dir / f"{page}.json"
    return json.loads(path.read_text())["queries"] if path.exists() else []


def time_sql(url: str, sql: str, repeat: int, warmup: int = 3) -> float:
    """Median milliseconds of running `sql` and fetching all its rows, over psycopg alone."""
    import psycopg

    with connect(url, autocommit=True) as conn:
        cursor = psycopg.ClientCursor(conn)
        times = []
        for i in range(warmup + repeat):
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            if i >= warmup:
                times.append((time.perf_counter() - started) * 1000)
    return pystats.median(times)


def slowest_statements(url: str, statements: list[str], top: int = 3) -> list[tuple[float, str]]:
    """Replays a page's reads in one transaction (rolled back) and returns the slowest."""
    import psycopg

    timed = []
    with connect(url) as conn:
        cursor = psycopg.ClientCursor(conn)
        for sql in map(stats.replayable, statements):
            if not sql:
                continue
            started = time.perf_counter()
            try:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
            except psycopg.Error:
                conn.rollback()
                continue
            timed.append(((time.perf_counter() - started) * 1000, " ".join(sql.split())))
        conn.rollback()
    return sorted(timed, reverse=True)[:top]


# --- putting it together ----------------------------------------------------------------------------------


def summarise_run(args, plan: dict, load_dir: Path, capture_dir: Path, db_url: str) -> dict:
    records = [json.loads(line) for line in (load_dir / "records.jsonl").read_text().splitlines() if line]
    load = json.loads((load_dir / "load.json").read_text())
    result: dict = {"realistic": {}, "capacity": {}, "ratio_a": {}, "ratio_b": {}, "error_samples": [], "findings": []}

    if "realistic" in load["windows"]:
        start, end = load["windows"]["realistic"]
        phase = stats.window(records, start, end, phase="realistic")
        for page in stats.PAGES:
            rows = [r for r in phase if r["page"] == page.key]
            if rows:
                result["realistic"][page.key] = stats.summarise(rows, end - start).as_dict()
        page_rows = [r for r in phase if r["page"] in stats.PAGE_BY_KEY]
        result["realistic_total"] = stats.summarise(page_rows, end - start).as_dict()
        result["error_samples"] = sorted(
            {f"{r['page']}: {r.get('err') or r.get('status')}" for r in phase if not r["ok"]}
        )[:10]

    sequential = {}
    if "sequential" in load["windows"]:
        start, end = load["windows"]["sequential"]
        for r in stats.window(records, start, end, phase="sequential"):
            sequential.setdefault(r["page"], []).append(r["ms"])
        result["sequential"] = {page: stats.median(times) for page, times in sequential.items()}
        failed = [r for r in stats.window(records, start, end, phase="sequential") if not r["ok"]]
        if failed:
            which = ", ".join(sorted({f"{r['page']} {r.get('status')}" for r in failed}))
            result["findings"].append(
                f"sequential phase: {len(failed)} requests failed, so their pages' medians and ratios are not "
                f"to be trusted: {which}"
            )
        for page, (table, limit) in ROWS_QUERIES.items():
            queries = captured(capture_dir, page)
            try:
                sql = stats.pick_rows_query(queries, table, limit)
            except LookupError as exc:
                result["findings"].append(f"ratio (a), {page}: the rows query was not found ({exc})")
                continue
            floor = time_sql(db_url, sql, repeat=30)
            page_ms = stats.median(sequential.get(page, []))
            result["ratio_a"][page] = {"page_ms": page_ms, "sql_ms": floor, "ratio": stats.ratio(page_ms, floor)}
        page_ms = stats.median(sequential.get("proposal_list_filtered", []))
        admin_ms = stats.median(sequential.get(stats.ADMIN_CHANGELIST, []))
        result["ratio_b"] = {"page_ms": page_ms, "admin_ms": admin_ms, "ratio": stats.ratio(page_ms, admin_ms)}

    for page, steps in load.get("capacity", {}).items():
        if isinstance(steps, dict):  # not stepped: over the limit one request at a time
            result["capacity"][page] = {"rps": None, "first_rate": 0, "below": True, "at_least": False, **steps}
            continue
        capacity = stats.capacity_of(
            (s["rate"], stats.Summary(**{k: s[k] for k in stats.Summary.__dataclass_fields__}), s["held"])
            for s in steps
        )
        peaks = [s["peak_rss_kb"] for s in steps if s.get("peak_rss_kb")]
        result["capacity"][page] = {**capacity.as_dict(), "peak_rss_kb": max(peaks) if peaks else None, "steps": steps}
    result["memory"] = {"vmhwm_kb": load.get("vmhwm_kb", [])}

    # Where a page misses its p95 budget, its slowest statements (replayed alone) and query count.
    for page in stats.PAGES:
        verdict = stats.page_verdicts(result, page)
        if verdict["p95"] is False or verdict["capacity"] is False:
            statements = captured(capture_dir, page.key)
            slow = slowest_statements(db_url, statements) if statements else []
            text = "; ".join(f"{ms:.0f} ms `{stats.gist(sql)}`" for ms, sql in slow)
            result["findings"].append(
                f"{page.label}: over budget; {len(statements)} statements, slowest replayed alone: {text or '—'}"
            )
    for page, item in result["ratio_a"].items():
        if item["ratio"] and item["ratio"] > stats.RATIO_A_MAX:
            result["findings"].append(
                f"ratio (a) {page}: page {item['page_ms']:.1f} ms vs rows query {item['sql_ms']:.1f} ms; "
                f"the page runs {len(captured(capture_dir, page))} statements"
            )
    return result


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    with contextlib.suppress(OSError, IndexError, ValueError):
        kb = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        memory = f", {kb / 1024 / 1024:.0f} GiB memory"
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores ({cpu}){memory}, {system}"


def cpu_check() -> float:
    """Seconds a fixed pure-Python loop takes, the best of three: on a shared virtual machine
    the same code ran up to 1.6 times slower from one hour to the next (2026-11-28), so each
    result says how fast the cores were around it."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def commit() -> str:
    def git(*args: str) -> str:
        command = ["git", *args]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()  # nosec

    try:
        head, dirty = git("rev-parse", "--short", "HEAD"), git("status", "--porcelain")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" with uncommitted changes" if dirty else "")


def data_description(args) -> tuple[str, str, str]:
    """(what was asked for, what the database holds, the PostgreSQL version)."""
    from django.db import connection

    from accounts.models import Department, Deputy
    from proposals.models import Assignment, Proposal, Session
    from replies.models import Reply

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    counts = {
        "sessions": Session.objects.count(),
        "departments": Department.objects.count(),
        "deputies": Deputy.objects.count(),
        "proposals": Proposal.objects.count(),
        "assignments": Assignment.objects.count(),
        "replies": Reply.objects.count(),
    }
    held = ", ".join(f"{n:,} {name}" for name, n in counts.items())
    if args.use_database:
        return f"database {args.use_database} as found", held, version
    return f"{args.proposals:,} proposals, seed {args.seed} (manage.py generate_load_data)", held, version


def describe_phases(args, users: dict) -> str:
    spec = {phase["name"]: phase for phase in load_spec(args, [])["phases"]}
    parts = []
    if "realistic" in spec:
        who = ", ".join(f"{n} {role}" for role, n in users.items())
        parts.append(
            f"realistic: {sum(users.values())} users ({who}), 1–3 s between requests, {args.duration} s "
            "measured once all had signed in"
        )
    if "sequential" in spec:
        parts.append(f"sequential: each page alone, one request at a time, {spec['sequential']['repeat']} rounds")
    if "capacity" in spec:
        c = spec["capacity"]
        parts.append(
            f"capacity: each page alone at a fixed rate, {c['step']} s steps (after {c['settle']} s to settle), "
            f"× {c['factor']:g} while p95 < {stats.CAPACITY_P95_MS:.0f} ms, no errors and ≥ 85% of the rate served"
        )
    return "; ".join(parts)


def previous_result(data: str, quick: bool) -> Path | None:
    """The newest dated result of the same data set and kind of run."""
    for path in sorted(RESULTS.glob("20*.md"), reverse=True):
        with contextlib.suppress(ValueError, OSError):
            meta = stats.parse(path.read_text())["meta"]
            if meta.get("data") == data and meta.get("quick", False) == quick:
                return path
    return None


def main(argv=None) -> int:
    args = parse_args(argv)
    # A plain `kill` stops the run as Ctrl-C does: the load generator and gunicorn are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    began = time.monotonic()
    load_before = os.getloadavg()
    cpu_before = cpu_check()
    stamp = datetime.datetime.now().strftime("%Y-%m-%d-%H%M%S")
    run_dir = WORK / f"run-{stamp}"
    capture_dir = run_dir / "sql"
    run_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "PATH": f"{ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "DEBUG": "false",
        "HTTPS": "false",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "BENCH_CAPTURE_DIR": str(capture_dir),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if args.two_factor == "off":
        env["TWO_FACTOR_REQUIRED_ROLES"] = ""

    db_url = ensure_dataset(args, args.server_url, env)
    env |= {"DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    say("collecting static files (production storage: hashed and compressed)")
    manage(env, "collectstatic", "--no-input", "-v", "0")

    os.environ.update({k: v for k, v in env.items() if k != "PATH"})
    import django

    django.setup()
    from django.db import connections

    port = free_port()
    plan = prepare_accounts_and_plan(args, f"http://127.0.0.1:{port}")
    data, held, pg_version = data_description(args)
    connections.close_all()
    (run_dir / "plan.json").write_text(json.dumps(plan, ensure_ascii=False, indent=1))
    (run_dir / "spec.json").write_text(json.dumps(load_spec(args, sequential_targets()), ensure_ascii=False))

    say(f"starting gunicorn: {args.workers} workers on 127.0.0.1:{port}")
    with app_server(env, args.workers, port, run_dir) as server:
        say("driving the load (locust); per-request records in " + str(run_dir / "records.jsonl"))
        subprocess.run(  # nosec B603
            [
                str(PY),
                "-m",
                "bench.load",
                "--plan",
                str(run_dir / "plan.json"),
                "--spec",
                str(run_dir / "spec.json"),
                "--out",
                str(run_dir),
                "--server-pid",
                str(server.pid),
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
    result = summarise_run(args, plan, run_dir, capture_dir, db_url)
    if "jobs" in args.phases.split(","):
        say("phase: jobs (the reminders, a 10,000-row import, a 5,000-proposal bulk assignment; rolled back)")
        done = subprocess.run(  # nosec B603
            [str(PY), "-m", "bench.jobs"], env=env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        result["jobs"] = json.loads(done.stdout.strip().splitlines()[-1])
    minutes = (time.monotonic() - began) / 60
    users = QUICK_USERS if args.quick else REALISTIC_USERS
    result["meta"] = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="minutes"),
        "data": data,
        "quick": args.quick,
        "held": held,
        "machine": f"{machine()}, PostgreSQL {pg_version}",
        "server": f"gunicorn, {args.workers} sync workers, bench settings (the production settings with DEBUG off, "
        "plus a query counter), plain http on 127.0.0.1; no background worker running",
        "load": "locust (FastHttpUser) on the same machine: load generator, gunicorn and PostgreSQL share its cores",
        "commit": commit(),
        "phases": describe_phases(args, users),
        "notes": [
            f"filtered list: session {plan['session']['name']} + status {FILTER_STATUS}; portal search words: "
            f"{', '.join(plan['search_words'])}",
            f"whole run {minutes:.1f} min (data generation excluded when cached)",
            "machine load average (1, 5, 15 min) before the run: {:.1f}, {:.1f}, {:.1f}; after: {:.1f}, {:.1f}, "
            "{:.1f} (the benchmark itself adds up to about 2; more means other work shared the cores)".format(
                *load_before, *os.getloadavg()
            ),
            f"CPU check (a pure-Python loop of 5 million additions, best of 3; lower is faster): "
            f"{cpu_before:.2f} s before the run, {cpu_check():.2f} s after",
            *(
                ["two-factor sign-in off for this run (TWO_FACTOR_REQUIRED_ROLES='')"]
                if args.two_factor == "off"
                else []
            ),
            *(["--quick: a smoke run, not a measurement"] if args.quick else []),
        ],
    }
    text = stats.render(result)
    previous = args.compare or previous_result(data, args.quick)
    if previous:
        text += "\n" + stats.compare(stats.parse(previous.read_text()), result) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(text)
    size = args.use_database or f"p{args.proposals}"
    dated = RESULTS / f"{stamp}-{size}{'-quick' if args.quick else ''}.md"
    shutil.copyfile(RESULTS / "latest.md", dated)
    print(text)
    say(f"written to {RESULTS / 'latest.md'} and {dated.name}; took {minutes:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
