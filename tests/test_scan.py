"""CI's wapiti step (tools/scan.py) judges the scan's JSON report: any finding of medium or higher
severity fails the build and is listed; low and informational ones pass; a scan that never
reached a coordinator's page, or wrote no report, fails too. The scan itself runs in .ci/run,
not here: these are small reports written by the tests."""

import itertools
import json

import pytest

from tools import scan

BASE = "https://127.0.0.1:8443"
SIGNED_IN_PAGES = [{"request": {"url": f"{BASE}/proposals/dashboard/", "method": "GET"}}]


def entry(level, path="/proposals/", *, module="xss", parameter="q", info="a finding"):
    """One finding as wapiti's JSON report writes it."""
    return {
        "method": "GET",
        "path": path,
        "info": info,
        "level": level,
        "parameter": parameter,
        "referer": "",
        "module": module,
        "http_request": f"GET {path} HTTP/1.1",
        "curl_command": f"curl {BASE}{path}",
        "wstg": ["WSTG-INPV-01"],
    }


def report(vulnerabilities=None, anomalies=None, additionals=None, crawled=SIGNED_IN_PAGES):
    return {
        "classifications": {},
        "vulnerabilities": vulnerabilities or {},
        "anomalies": anomalies or {},
        "additionals": additionals or {},
        "infos": {"target": f"{BASE}/", "crawled_pages_nbr": len(crawled), "crawled_pages": crawled},
    }


def judged(tmp_path, capsys, data):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code = scan.main(["--judge", str(path)])
    return code, capsys.readouterr().out


def test_medium_high_and_critical_findings_fail_the_build_each_on_its_own_line(tmp_path, capsys):
    data = report(
        vulnerabilities={
            "Cross Site Scripting": [entry(3, "/search/", parameter="q")],
            "Cross Site Request Forgery": [entry(2, "/proposals/new/", module="csrf", parameter="")],
            "SQL Injection": [entry(4, "/replies/", module="sql", parameter="status")],
            "Content Security Policy Configuration": [entry(1, "/", module="csp", parameter="")],
        },
        anomalies={"Internal Server Error": [entry(3, "/reports/statistics/", module="exec", parameter="session")]},
    )
    code, out = judged(tmp_path, capsys, data)
    assert code == 1
    lines = out.splitlines()
    assert "HIGH: Cross Site Scripting (xss) GET /search/ [q]: a finding" in lines
    assert "MEDIUM: Cross Site Request Forgery (csrf) GET /proposals/new/: a finding" in lines
    assert "CRITICAL: SQL Injection (sql) GET /replies/ [status]: a finding" in lines
    assert "HIGH: Internal Server Error (exec) GET /reports/statistics/ [session]: a finding" in lines
    assert not any("Content Security Policy" in line for line in lines)  # low: in the report, not a failure
    assert lines[-1] == (
        "wapiti scan FAILED: 1 URLs crawled; 1 critical, 2 high, 1 medium, 1 low; 4 at medium or above"
    )


def test_low_and_informational_findings_pass_with_a_one_line_summary(tmp_path, capsys):
    data = report(
        vulnerabilities={
            "HTTP Secure Headers": [entry(1, "/", module="http_headers", parameter="")],
            "Secure Flag cookie": [entry(1, "/", module="cookieflags", parameter="")],
        },
        additionals={"Fingerprint web technology": [entry(0, "/", module="methods", parameter="")] * 3},
    )
    code, out = judged(tmp_path, capsys, data)
    assert code == 0
    assert out.splitlines() == ["wapiti scan passed: 1 URLs crawled; 2 low, 3 info; 0 at medium or above"]


def test_a_clean_report_passes(tmp_path, capsys):
    assert judged(tmp_path, capsys, report()) == (
        0,
        "wapiti scan passed: 1 URLs crawled; no findings; 0 at medium or above\n",
    )


def test_a_scan_that_never_reached_a_coordinators_page_fails_as_not_signed_in(tmp_path, capsys):
    anonymous = [{"request": {"url": f"{BASE}/accounts/login/?next=/proposals/dashboard/", "method": "GET"}}]
    code, out = judged(tmp_path, capsys, report(crawled=anonymous))
    assert code == 1
    assert "problem: the scan was not signed in" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "wapiti wrote no report"), ("{not json", "is not valid JSON"), ("[]", "is not a wapiti JSON report")],
    ids=["missing", "broken", "not-wapiti"],
)
def test_a_missing_or_unreadable_report_fails_the_build(tmp_path, capsys, content, message):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content)
    assert scan.main(["--judge", str(path)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out.startswith("wapiti scan FAILED: ")


def test_a_finding_accepted_as_a_false_positive_passes_only_where_it_was_accepted():
    accepted = (scan.Accepted("csrf", "Cross Site Request Forgery", r"/i18n/setlang/", "why, after investigation"),)
    excused = entry(2, "/i18n/setlang/", module="csrf", parameter="")
    elsewhere = entry(2, "/proposals/new/", module="csrf", parameter="")
    verdict = scan.judge(report(vulnerabilities={"Cross Site Request Forgery": [excused]}), accepted=accepted)
    assert verdict.ok
    assert [f.path for f in verdict.accepted] == ["/i18n/setlang/"]
    assert "(1 accepted as false positives)" in verdict.summary()
    verdict = scan.judge(
        report(vulnerabilities={"Cross Site Request Forgery": [excused, elsewhere]}), accepted=accepted
    )
    assert not verdict.ok
    assert [f.path for f in verdict.failing] == ["/proposals/new/"]


def test_server_errors_are_read_from_gunicorns_access_log(tmp_path):
    log = tmp_path / "access.log"
    log.write_text(
        '127.0.0.1 - - [28/Nov/2026:05:13:08 +0800] "GET /healthz HTTP/1.1" 200 3 "-" "Python-urllib/3.11"\n'
        '127.0.0.1 - - [28/Nov/2026:05:13:09 +0800] "POST /proposals/enter/ HTTP/1.1" 500 145 "-" "Mozilla/5.0"\n'
        '127.0.0.1 - - [28/Nov/2026:05:13:10 +0800] "GET /search/?q=%27 HTTP/1.1" 400 500 "-" "Mozilla/5.0"\n'
    )
    assert scan.server_errors(log) == ["500 POST /proposals/enter/ HTTP/1.1"]


def test_every_run_of_wapiti_keeps_the_session_stays_offline_and_is_time_bounded():
    site = scan.Site(BASE, tls=None, password="x", log=None, access_log=None)
    runs = {name: (args, deadline) for name, args, deadline in scan.runs(scan.wapiti_args(site, "sessionid=abc"))}
    assert list(runs) == ["crawl and forms", "links", "exec and file", "HTML report"]
    for args, deadline in runs.values():
        pairs = list(itertools.pairwise(args))
        assert ("--cookie-value", "sessionid=abc") in pairs
        assert ("--exclude", f"{BASE}/accounts/logout/*") in pairs
        assert "--no-bugreport" in args
        assert args[args.index("--endpoint") + 1].startswith("http://127.0.0.1:")
        assert deadline <= 600
    first, *others = runs.values()
    assert ("--max-scan-time", "90") in list(itertools.pairwise(first[0]))
    assert "--flush-session" in first[0]
    assert all("--skip-crawl" in args and "--max-scan-time" not in args for args, _ in others)
    # the modules that need wapiti's public endpoint or download databases stay out
    assert not set(scan.MODULES) & {"ssrf", "xxe", "log4shell", "wapp", "nikto", "htp", "buster", "brute_login_form"}
    assert {"xss", "permanentxss", "sql", "csrf", "redirect", "upload"} <= set(scan.MODULES)


def test_the_time_factor_scales_every_limit():
    site = scan.Site(BASE, tls=None, password="x", log=None, access_log=None)
    normal, longer = (scan.runs(scan.wapiti_args(site, "sessionid=abc"), factor=f) for f in (1, 10))
    first, longer_first = normal[0][1], longer[0][1]
    limit = float(first[first.index("--max-attack-time") + 1])
    assert float(longer_first[longer_first.index("--max-attack-time") + 1]) == 10 * limit
    assert float(longer_first[longer_first.index("--max-scan-time") + 1]) == 10 * scan.CRAWL_SECONDS
    assert longer[0][2] > 8 * normal[0][2]  # the deadline that kills wapiti too
