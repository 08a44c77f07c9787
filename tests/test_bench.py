"""The benchmark harness's own logic (bench/): percentiles, the capacity search, picking a page's
rows query, the report and its comparison, TOTP codes, the query counter and the bench admin.
No timing is asserted here: the benchmark itself is `make bench`, never part of the suite."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import two_factor
from accounts.models import Role
from bench import signin, stats
from conftest import make_user

ROOT = Path(__file__).resolve().parent.parent


def record(ms, ok=True, q=None, t=0.0, **extra):
    return {"ms": ms, "ok": ok, "q": q, "t": t, **extra}


def summary(*, p95=50.0, errors=0, rps=10.0, n=100):
    return stats.Summary(n=n, errors=errors, p50=p95 / 2, p95=p95, p99=p95, rps=rps, queries_median=5, queries_max=5)


# --- percentiles and summaries -------------------------------------------------------------------


def test_percentiles_interpolate_between_closest_ranks():
    values = list(range(1, 101))  # 1..100
    assert stats.percentile(values, 50) == pytest.approx(50.5)
    assert stats.percentile(values, 95) == pytest.approx(95.05)
    assert stats.percentile(values, 99) == pytest.approx(99.01)
    assert stats.percentile([7], 99) == 7
    assert stats.percentile([], 50) is None


def test_a_percentile_outside_0_to_100_is_refused():
    with pytest.raises(ValueError):
        stats.percentile([1, 2], 101)


def test_a_summary_counts_failed_requests_in_the_latency_and_as_errors():
    records = [record(10, q=4), record(20, q=4), record(30, q=6), record(1000, ok=False)]
    result = stats.summarise(records, duration_s=2.0)
    assert result.n == 4
    assert result.errors == 1
    assert result.p50 == pytest.approx(25)
    assert result.p99 > 900
    assert result.rps == 2.0
    assert result.queries_median == 4
    assert result.queries_max == 6


def test_a_window_keeps_requests_that_started_in_it_and_match_the_label():
    records = [
        record(1, t=9.9, page="a"),
        record(1, t=10, page="a"),
        record(1, t=11, page="b"),
        record(1, t=20, page="a"),
    ]
    assert stats.window(records, 10, 20, page="a") == [records[1]]


# --- the capacity search -------------------------------------------------------------------------------


def test_a_step_holds_only_under_250_ms_without_errors_while_the_server_keeps_up():
    assert stats.step_passes(summary(p95=249), 10)
    assert not stats.step_passes(summary(p95=250), 10)
    assert not stats.step_passes(summary(errors=1), 10)
    assert not stats.step_passes(summary(rps=8.4), 10)
    assert stats.step_passes(summary(rps=8.5), 10)
    assert not stats.step_passes(summary(n=0), 10)


def test_the_rate_steps_up_while_steps_hold_and_stops_at_the_first_that_does_not():
    assert stats.next_step([(5, True)], 1.5, 400, 0.5) == 7.5
    assert stats.next_step([(5, True), (7.5, True), (11.2, False)], 1.5, 400, 0.5) is None
    assert stats.next_step([(300, True)], 1.5, 400, 0.5) is None


def test_when_the_first_step_fails_the_rate_steps_down_until_one_holds():
    assert stats.next_step([(5, False)], 2, 400, 1) == 2.5
    assert stats.next_step([(5, False), (2.5, False)], 2, 400, 1) == 1.25
    assert stats.next_step([(5, False), (2.5, False), (1.25, False)], 2, 400, 1) is None
    assert stats.next_step([(5, False), (2.5, True)], 2, 400, 1) is None


def test_the_capacity_is_the_highest_rate_served_by_a_step_that_held():
    steps = [(5, summary(rps=5.0), True), (7.5, summary(rps=7.4), True), (11.2, summary(rps=9.0), False)]
    capacity = stats.capacity_of(steps)
    assert capacity.rps == 7.4
    assert capacity.text() == "7"
    below = stats.capacity_of([(5, summary(), False), (2.5, summary(), False)])
    assert below.below and below.text() == "< 2.5"
    ceiling = stats.capacity_of([(200, summary(rps=199.0), True), (400, summary(rps=398.0), True)])
    assert ceiling.text() == "≥ 398"


def test_a_page_too_slow_alone_has_no_capacity_and_says_how_slow_it_was():
    assert stats.Capacity(rps=None, first_rate=0, below=True, alone_p95=6253.4).text() == "none (alone p95 6253 ms)"


def test_the_search_starts_near_what_the_page_alone_suggests():
    assert stats.start_rate(None, 2, 5) == 5
    assert stats.start_rate(5.0, 2, 5) == 40  # a fast page starts high, so the search takes few steps
    assert stats.start_rate(50.0, 2, 5) == 10
    assert stats.start_rate(5000.0, 2, 5) == 1


# --- the SQL of a page -----------------------------------------------------------------------------------

PAGE_SQL = [
    'SELECT "django_session"."session_key" FROM "django_session" WHERE "session_key" = \'x\' LIMIT 21',
    'SELECT COUNT(*) FROM (SELECT "proposals_proposal"."id" FROM "proposals_proposal") subquery',
    'DECLARE "_django_curs_1" NO SCROLL CURSOR WITH HOLD FOR SELECT "accounts_department"."id" '
    'FROM "accounts_department" ORDER BY "accounts_department"."name" ASC',
    'SELECT "proposals_proposal"."id", "proposals_proposal"."title" FROM "proposals_proposal" '
    'ORDER BY "proposals_proposal"."submitted_at" DESC LIMIT 25',
    'UPDATE "django_session" SET "session_data" = \'x\'',
]


def test_the_rows_query_is_the_select_of_the_pages_table_limited_to_the_page_size():
    assert stats.pick_rows_query(PAGE_SQL, "proposals_proposal", 25) == PAGE_SQL[3]


def test_a_first_page_shorter_than_the_page_size_is_found_by_its_smaller_limit():
    short = PAGE_SQL[3].replace("LIMIT 25", "LIMIT 4")
    assert stats.pick_rows_query([*PAGE_SQL[:3], short], "proposals_proposal", 25) == short


def test_a_page_without_a_rows_query_says_so():
    with pytest.raises(LookupError, match="proposals_assignment"):
        stats.pick_rows_query(PAGE_SQL, "proposals_assignment", 25)


def test_statements_are_replayed_without_their_cursor_and_never_when_they_write():
    assert stats.replayable(PAGE_SQL[2]).startswith('SELECT "accounts_department"."id"')
    assert stats.replayable(PAGE_SQL[4]) is None
    assert stats.replayable(None) is None


def test_a_statement_in_the_report_keeps_what_follows_from():
    sql = "SELECT " + ", ".join(f'"t"."column_{i}"' for i in range(20)) + ' FROM "t" WHERE "t"."id" = 1'  # noqa: S608 - a string, never run
    assert stats.gist(sql) == 'SELECT … FROM "t" WHERE "t"."id" = 1'
    assert len(stats.gist(sql + " AND x" * 100)) == 220
    with_subquery = sql.replace('"t"."column_3"', '(SELECT COUNT(*) FROM "u" WHERE "u"."t_id" = "t"."id") AS "n"')
    assert stats.gist(with_subquery) == 'SELECT … FROM "t" WHERE "t"."id" = 1'


# --- the report ------------------------------------------------------------------------------------------


def a_result(p95_list=80.0, p95_stats=900.0, capacity_list=120.0, ratio_b=0.4):
    realistic = {page.key: summary(p95=60.0).as_dict() for page in stats.PAGES}
    realistic["proposal_list"] = summary(p95=p95_list).as_dict()
    realistic["statistics"] = summary(p95=p95_stats).as_dict()
    capacity = {
        "proposal_list": {
            "rps": capacity_list,
            "first_rate": 5,
            "below": False,
            "at_least": False,
            "peak_rss_kb": 90_000,
        }
    }
    return {
        "meta": {"date": "2026-11-28T10:00+08:00", "data": "100,000 proposals, seed 2024", "machine": "2 cores"},
        "realistic": realistic,
        "realistic_total": summary().as_dict(),
        "capacity": capacity,
        "ratio_a": {"proposal_list": {"page_ms": 40.0, "sql_ms": 4.0, "ratio": 10.0}},
        "ratio_b": {"page_ms": 40.0, "admin_ms": 100.0, "ratio": ratio_b},
        "memory": {"vmhwm_kb": [90_000, 95_000]},
        "findings": ["statistics, coordinator: over budget"],
        "jobs": {
            "reminders": {"seconds": 2.5, "what": "16,437 open assignments"},
            "import": {"seconds": 75.0, "what": "10,000 rows"},
        },
    }


def row_of(text, label, containing=""):
    return next(line for line in text.splitlines() if line.startswith(f"| {label} |") and containing in line)


def test_the_table_shows_each_figure_beside_its_budget_with_pass_or_fail():
    text = stats.render(a_result())
    list_row = row_of(text, "proposal list, coordinator (unfiltered)")
    assert "| 80 | ≤ 100 ✅ |" in list_row
    assert "| 120 | ≥ 100 ✅ |" in list_row
    assert "| 88 |" in list_row  # worker MB
    assert "| 900 | ≤ 500 ❌ |" in row_of(text, "statistics, coordinator")
    assert "| 40 | 4.0 | 10.0 | ≤ 8 ❌ |" in row_of(text, "proposal list, coordinator (unfiltered)", "≤ 8")
    assert "| 0.40 | ≤ 0.5 ✅ |" in text
    assert "statistics, coordinator: over budget" in text


def test_the_background_jobs_are_shown_beside_their_budgets():
    text = stats.render(a_result())
    assert "| 2.5 | ≤ 10 ✅ | 16,437 open assignments |" in row_of(text, "daily reminders over all open assignments")
    assert "| 75.0 | ≤ 60 ❌ |" in row_of(text, "importing 10,000 proposals from a spreadsheet")
    unmeasured = row_of(text, "bulk assignment of 5,000 proposals")
    assert "| — | ≤ 30 " in unmeasured and "✅" not in unmeasured and "❌" not in unmeasured
    assert stats.parse(text)["jobs"]["import"]["seconds"] == 75.0


def test_a_page_that_was_not_measured_has_no_verdict():
    result = a_result()
    del result["realistic"]["dashboard"]
    row = row_of(stats.render(result), "dashboard, coordinator")
    assert "✅" not in row and "❌" not in row


def test_a_result_file_gives_back_its_figures():
    result = a_result()
    parsed = stats.parse(stats.render(result))
    assert parsed["realistic"]["proposal_list"]["p95"] == 80.0
    assert parsed["ratio_b"]["ratio"] == 0.4
    assert "findings" not in parsed


def test_a_file_that_is_not_a_result_is_refused():
    with pytest.raises(ValueError, match="not a benchmark result"):
        stats.parse("# Some notes\n")


def test_the_comparison_shows_each_figure_before_and_after_with_the_change():
    before, after = a_result(p95_list=80.0, capacity_list=120.0), a_result(p95_list=100.0, capacity_list=90.0)
    text = stats.compare(json.loads(json.dumps(before)), after)
    row = row_of(text, "proposal list, coordinator (unfiltered)")
    assert "80 → 100 (+25%)" in row
    assert "120 → 90 (-25%)" in row
    assert "0.40 → 0.40 (+0%)" in text
    assert "| daily reminders over all open assignments, s | 2.5 → 2.5 (+0%) |" in text


# --- signing in ----------------------------------------------------------------------------------------------


def test_the_cpu_check_reports_the_fastest_of_three_timings_of_its_loop(monkeypatch):
    from bench import harness

    clock = iter([0.0, 1.5, 10.0, 10.9, 20.0, 21.2])  # three runs: 1.5 s, 0.9 s, 1.2 s
    monkeypatch.setattr(harness.time, "perf_counter", lambda: next(clock))
    assert harness.cpu_check() == pytest.approx(0.9)


def test_totp_codes_follow_rfc_6238():
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # "12345678901234567890", the RFC's SHA1 key
    assert signin.totp(secret, at=59, digits=8) == "94287082"
    assert signin.totp(secret, at=1111111109, digits=8) == "07081804"
    assert signin.totp(secret, at=1234567890) == "005924"


def test_the_load_generators_codes_are_the_ones_the_server_accepts():
    secret = two_factor.new_secret()
    for step in (0, 1, 57_000_000, 60_000_001):
        assert signin.totp(secret, at=step * two_factor.STEP_SECONDS) == two_factor.code_at(secret, step)


# --- the query counter and the bench admin (bench settings only) ------------------------------------------


@pytest.fixture
def counting(settings, tmp_path):
    settings.MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
    settings.BENCH_CAPTURE_DIR = str(tmp_path)
    return tmp_path


def test_each_response_says_how_many_queries_it_ran(counting, client, db):
    client.force_login(make_user("b_coordinator", Role.COORDINATOR))
    with CaptureQueriesContext(connection) as ran:
        response = client.get("/proposals/")
    assert response.status_code == 200
    assert int(response["X-Bench-Queries"]) == len(ran.captured_queries) > 3
    assert not list(counting.iterdir())


def test_a_request_that_asks_has_its_sql_written_under_its_label(counting, client, db):
    client.force_login(make_user("b_coordinator", Role.COORDINATOR))
    response = client.get("/proposals/", HTTP_X_BENCH_CAPTURE="proposal_list")
    written = json.loads((counting / "proposal_list.json").read_text())
    assert written["path"] == "/proposals/"
    assert len(written["queries"]) == int(response["X-Bench-Queries"])
    assert any('FROM "proposals_proposal"' in sql for sql in written["queries"])


def test_a_capture_label_that_is_not_a_plain_name_writes_nothing(counting, client, db):
    client.get("/healthz", HTTP_X_BENCH_CAPTURE="../../etc/x")
    assert not list(counting.iterdir())


@pytest.mark.urls("bench.urls")
def test_the_bench_admin_shows_proposals_to_the_coordinator_and_to_nobody_else(client, db, session, deputy):
    from proposals.models import Proposal

    Proposal.objects.create(
        session=session,
        title="关于加快黑土地保护的建议",
        body="正文",
        lead_deputy=deputy.deputy,
        status=Proposal.Status.ASSIGNED,
        created_by=deputy,
    )
    url = f"/bench-admin/proposals/proposal/?session__id__exact={session.pk}&status__exact=assigned"
    client.force_login(make_user("b_coordinator", Role.COORDINATOR))
    response = client.get(url)
    assert response.status_code == 200
    assert "关于加快黑土地保护的建议" in response.text
    for role in (Role.SYSADMIN, Role.AUDITOR, Role.DEPUTY):
        client.force_login(make_user(f"b_{role}", role))
        assert client.get(url).status_code in (302, 403)


def test_the_production_urls_have_no_bench_admin(client, db):
    client.force_login(make_user("b_coordinator", Role.COORDINATOR))
    assert client.get("/bench-admin/proposals/proposal/").status_code == 404


def test_bench_settings_refuse_a_database_that_is_not_a_bench_database():
    env = {
        **os.environ,
        "DATABASE_URL": "postgresql://jianyi@localhost/jianyi",
        "SECRET_KEY": "bench-settings-test-" + "k" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    code = "import django; django.setup()"
    ran = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True)
    assert ran.returncode != 0
    assert "runs only against a bench database" in ran.stderr
