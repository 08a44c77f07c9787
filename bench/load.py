"""The load generator process of `make bench` (started by bench/harness.py; locust's library API).

    .venv/bin/python -m bench.load --plan PLAN.json --spec SPEC.json --out DIR

Runs the phases the spec names, in order, against the server in the plan, and writes to DIR:
records.jsonl (one line per request: phase, page, start time, latency, status, query count) and
load.json (the time window of each phase, the capacity steps, worker memory).

- realistic: simulated users of each role (bench.locustfile) sign in once, then open their role's
  pages with 1–3 s between requests; measured from when all have signed in, for `duration` s.
- sequential: one request at a time, each list page, the dashboard and Django admin's changelist
  in turn, `repeat` rounds (ratios (a) and (b)); each list page's first request asks the server
  to write its SQL (bench.middleware) so the harness can time the raw query.
- capacity: for each page alone, requests at a fixed rate from a pool of signed-in users,
  stepped up by `factor` until p95 reaches 250 ms, a request fails or the server falls behind.
"""

from __future__ import annotations

import gevent.monkey

gevent.monkey.patch_all()

import argparse  # noqa: E402 - after monkey-patching, as gevent requires
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.queue  # noqa: E402
from locust import task  # noqa: E402
from locust.contrib.fasthttp import FastHttpSession, FastHttpUser  # noqa: E402
from locust.env import Environment  # noqa: E402

from bench import locustfile, signin, stats  # noqa: E402

SAMPLE_SECONDS = 0.5


class Recorder:
    """Every request, as one JSON line, tagged with the phase and step running when it started."""

    def __init__(self, path: Path):
        self.fh = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.label = {"phase": "setup"}
        self.signed_in = 0
        self.records: list[dict] = []

    def on_request(
        self,
        request_type,
        name,
        response_time,
        response_length,
        response=None,
        context=None,
        exception=None,
        start_time=None,
        **_,
    ):
        queries = (context or {}).get("queries")
        status = getattr(response, "status_code", None) if response is not None else None
        record = {
            **self.label,
            "page": name,
            "t": start_time,
            "ms": round(response_time, 3),
            "ok": exception is None,
            "status": status,
            "q": int(queries) if queries not in (None, "") else None,
        }
        if exception is not None:
            record["err"] = str(exception)[:200]
        self.records.append(record)
        self.fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self):
        self.fh.close()


class Pool:
    """Signed-in sessions by role: each simulated user signs in once; the capacity phase's users
    reuse these sessions (several requests of one person in parallel, like browser tabs)."""

    def __init__(self):
        self.cookies: dict[str, list[tuple[dict, list]]] = {}

    def add(self, role: str, account: dict, cookiejar) -> None:
        self.cookies.setdefault(role, []).append((account, list(cookiejar)))

    def get(self, role: str, i: int) -> tuple[dict, list]:
        sessions = self.cookies[role]
        return sessions[i % len(sessions)]

    def size(self, role: str) -> int:
        return len(self.cookies.get(role, []))


class Memory:
    """The resident size of each gunicorn worker, sampled; the largest seen under each label."""

    def __init__(self, master_pid: int | None):
        self.master = master_pid
        self.peak: dict[str, int] = {}
        self.label = "setup"

    def workers(self) -> list[int]:
        if not self.master:
            return []
        found = []
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                try:
                    stat = Path(entry.path, "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.master:
                    found.append(int(entry.name))
        return sorted(found)

    @staticmethod
    def status_kb(pid: int, field: str) -> int | None:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        except OSError:
            return None
        return None

    def run(self):
        while True:
            rss = [self.status_kb(pid, "VmRSS") or 0 for pid in self.workers()]
            if rss:
                self.peak[self.label] = max(self.peak.get(self.label, 0), *rss)
            gevent.sleep(SAMPLE_SECONDS)

    def high_water(self) -> list[int]:
        return [kb for kb in (self.status_kb(pid, "VmHWM") for pid in self.workers()) if kb is not None]


class Driver:
    def __init__(self, plan: locustfile.Plan, out: Path, master_pid: int | None):
        self.plan = plan
        self.host = plan.data["host"]
        self.recorder = Recorder(out / "records.jsonl")
        self.pool = Pool()
        self.memory = Memory(master_pid)
        self.result: dict = {"windows": {}, "capacity": {}, "memory": {}}
        locustfile.use_plan(plan)

    def environment(self, user_classes) -> Environment:
        env = Environment(user_classes=user_classes, host=self.host)
        env.events.request.add_listener(self.recorder.on_request)
        return env

    def label(self, phase: str, **extra) -> None:
        self.recorder.label = {"phase": phase, **extra}
        self.memory.label = ":".join([phase, *map(str, extra.values())])

    # --- signing in -------------------------------------------------------------------------

    def session(self, env) -> FastHttpSession:
        return FastHttpSession(
            self.host, request_event=env.events.request, user=None, network_timeout=60.0, connection_timeout=60.0
        )

    def fill_pool(self, env, role: str, count: int) -> None:
        """Signs in more simulated users of `role` until the pool holds `count` sessions."""
        self.label("sign-in")
        # Never more sessions than accounts: signing in again at once with the same account would
        # reuse its two-factor code, which the server refuses (a code is good once).
        count = min(count, len(self.plan.accounts(role)))
        while self.pool.size(role) < count:
            account = self.plan.take(role)
            client = self.session(env)
            signin.sign_in(client, account["username"], self.plan.password, account.get("totp"))
            self.pool.add(role, account, client.cookiejar)

    def drain(self, limit_s: float = 120.0) -> None:
        """Waits until the server has worked off what earlier load left queued (requests whose
        users were stopped still run): /healthz answers in under 100 ms twice in a row."""
        self.label("drain")
        client = self.session(self.environment([]))
        quick, deadline = 0, time.time() + limit_s
        while quick < 2 and time.time() < deadline:
            started = time.perf_counter()
            with contextlib.suppress(Exception):
                client.get("/healthz", name="healthz")
            quick = quick + 1 if time.perf_counter() - started < 0.1 else 0
            gevent.sleep(0.2)

    # --- phases -------------------------------------------------------------------------------

    def realistic(self, spec: dict) -> None:
        counts = {role: n for role, n in spec["users"].items() if n}
        driver = self

        classes = []
        for role, n in counts.items():
            base = locustfile.ROLE_CLASSES[role]

            def on_start(user, _base=base, _role=role):
                _base.on_start(user)
                if _role != "public":
                    driver.pool.add(_role, user.account, user.client.cookiejar)
                driver.recorder.signed_in += 1

            classes.append(type(f"Bench{base.__name__}", (base,), {"fixed_count": n, "on_start": on_start}))
        env = self.environment(classes)
        runner = env.create_local_runner()
        total = sum(counts.values())
        self.label("realistic-start")
        runner.start(total, spawn_rate=spec.get("spawn_rate", 10))
        deadline = time.time() + spec.get("sign_in_timeout", 300)
        while self.recorder.signed_in < total and time.time() < deadline:
            gevent.sleep(0.5)
        if self.recorder.signed_in < total:
            runner.quit()
            sys.exit(f"only {self.recorder.signed_in} of {total} simulated users signed in; see records.jsonl")
        self.label("realistic")
        gevent.sleep(spec.get("settle", 5))
        start = time.time()
        gevent.sleep(spec["duration"])
        end = time.time()
        runner.quit()
        self.result["windows"]["realistic"] = [start, end]
        self.result["memory"]["realistic"] = self.memory.peak.get("realistic")

    def sequential(self, spec: dict) -> None:
        env = self.environment([])
        targets = spec["targets"]  # [{page, role, capture}]
        clients, urls = {}, {}
        for target in targets:
            role, page = target["role"], target["page"]
            if role not in clients:
                clients[role] = self.session(env)
                if role != "public":
                    self.fill_pool(env, role, 1)
                    for cookie in self.pool.get(role, 0)[1]:
                        clients[role].cookiejar.set_cookie(cookie)
            # the first of the page's addresses that this session's account may open
            account = self.pool.get(role, 0)[0] if role != "public" else {}
            urls[page] = self.plan.urls(account, page)[0]
        warmup, repeat = spec.get("warmup", 3), spec["repeat"]
        self.label("sequential-warmup")
        for i in range(warmup):
            for target in targets:
                capture = target.get("capture") if i == 0 else None
                signin.fetch(clients[target["role"]], target["page"], urls[target["page"]], capture=capture)
        self.label("sequential")
        start = time.time()
        for _ in range(repeat):
            for target in targets:
                signin.fetch(clients[target["role"]], target["page"], urls[target["page"]])
        self.result["windows"]["sequential"] = [start, time.time()]

    def capacity(self, spec: dict) -> None:
        alone = {}
        if "sequential" in self.result["windows"]:
            start, end = self.result["windows"]["sequential"]
            for r in stats.window(self.recorder.records, start, end, phase="sequential"):
                alone.setdefault(r["page"], []).append(r["ms"])
        for page_spec in spec["pages"]:
            page, times = page_spec["page"], alone.get(page_spec["page"])
            p95 = stats.percentile(times, 95) if times else None
            if p95 is not None and p95 >= stats.CAPACITY_P95_MS:
                # Alone, one request at a time, it is already over the limit: no rate can hold.
                print(f"[bench] capacity {page}: not stepped, p95 alone {p95:.0f} ms", flush=True)
                self.result["capacity"][page] = {"alone_p95": p95}
                continue
            rate = stats.start_rate(
                stats.median(times) if times else None, os.cpu_count() or 1, page_spec["start_rate"]
            )
            self.drain()
            self.capacity_of_page({**page_spec, "start_rate": rate}, spec)

    def capacity_of_page(self, page_spec: dict, spec: dict) -> None:
        page, role = page_spec["page"], page_spec["role"]
        users = spec.get("users", 64)
        pacer = Pacer()
        driver, plan = self, self.plan
        if role != "public":
            self.fill_pool(self.environment([]), role, min(users, spec.get("sessions", 20)))
        counter = iter(range(10**9))

        class PageUser(FastHttpUser):
            host = driver.host
            network_timeout = connection_timeout = 60.0

            def wait_time(self):
                return 0

            def on_start(self):
                self.account = {}
                if role != "public":
                    self.account, cookies = driver.pool.get(role, next(counter))
                    for cookie in cookies:
                        self.client.cookiejar.set_cookie(cookie)
                self.urls = plan.urls(self.account, page)
                self.i = 0

            @task
            def open_the_page(self):
                pacer.wait()
                self.i += 1
                signin.fetch(self.client, page, self.urls[self.i % len(self.urls)])

        env = self.environment([PageUser])
        runner = env.create_local_runner()
        rate = page_spec.get("start_rate", spec.get("start_rate", 5))
        pacer.set(rate)
        self.label("capacity", page=page, rate=rate)
        runner.start(users, spawn_rate=users)
        steps = []
        while rate is not None:
            pacer.set(rate)
            self.label("capacity", page=page, rate=rate)
            gevent.sleep(spec.get("settle", 3))
            start = time.time()
            gevent.sleep(spec["step"])
            end = time.time()
            records = stats.window(self.recorder.records, start, end, phase="capacity", page=page, rate=rate)
            summary = stats.summarise(records, end - start)
            held = stats.step_passes(summary, rate)
            steps.append(
                {
                    "rate": rate,
                    "held": held,
                    **summary.as_dict(),
                    "peak_rss_kb": self.memory.peak.get(self.memory.label),
                }
            )
            print(
                f"[bench] capacity {page}: {rate:g} req/s asked, {summary.rps:.1f} served, "
                f"p95 {summary.p95 or 0:.0f} ms, errors {summary.errors}{'' if held else '  (does not hold)'}",
                flush=True,
            )
            history = [(step["rate"], step["held"]) for step in steps]
            if not held:
                pacer.stop()  # let what queued during the failed step finish before the next
                self.drain()
            rate = stats.next_step(history, spec.get("factor", 1.5), spec.get("max_rate", 400), spec.get("min_rate", 1))
        runner.quit()
        pacer.stop()
        self.result["capacity"][page] = steps


class Pacer:
    """Starts requests at a fixed rate: a ticker puts one token in a queue per interval and each
    user takes one before each request. While every user is busy, up to `backlog` tokens wait
    (requests that arrived and queue); beyond that they are dropped, and the step shows a lower
    rate served than asked."""

    def __init__(self, backlog: int = 16):
        self.tokens = gevent.queue.Queue(maxsize=backlog)
        self.interval = 1.0
        self.ticker = None

    def set(self, rate: float) -> None:
        self.interval = 1.0 / rate
        while not self.tokens.empty():
            self.tokens.get_nowait()
        if self.ticker is not None:
            self.ticker.kill()
        self.ticker = gevent.spawn(self._tick)

    def _tick(self):
        due = time.monotonic()
        while True:
            due += self.interval
            gevent.sleep(max(0.0, due - time.monotonic()))
            with contextlib.suppress(gevent.queue.Full):
                self.tokens.put_nowait(True)

    def wait(self) -> None:
        self.tokens.get()

    def stop(self) -> None:
        if self.ticker is not None:
            self.ticker.kill()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plan", required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--server-pid", type=int, default=None, help="gunicorn's master process, for worker memory")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    spec = json.loads(Path(args.spec).read_text())
    driver = Driver(locustfile.Plan.load(args.plan), out, args.server_pid)
    sampler = gevent.spawn(driver.memory.run)
    try:
        for phase in spec["phases"]:
            print(f"[bench] phase: {phase['name']}", flush=True)
            driver.drain()
            getattr(driver, phase["name"])(phase)
    finally:
        sampler.kill()
        driver.result["vmhwm_kb"] = driver.memory.high_water()
        driver.result["memory_peaks"] = driver.memory.peak
        driver.recorder.close()
        (out / "load.json").write_text(json.dumps(driver.result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
