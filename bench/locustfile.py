"""Simulated users of each role for the benchmark (locust).

bench/load.py drives these classes through locust's library API for `make bench`; the file also
runs on its own against a server started with bench settings, to watch the realistic mix in
locust's web UI:

    BENCH_PLAN=var/bench/plan.json .venv/bin/locust -f bench/locustfile.py --host http://127.0.0.1:PORT

The plan (written by bench/harness.py) names the bench accounts, their TOTP secrets and, for
each account, the addresses it may open (its department's proposals and drafts, its own
proposals). Each simulated user signs in once through the real login form, with the code of its
authenticator when its account has one (accounts.two_factor_views), then keeps its session.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from collections import defaultdict

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

from bench.signin import fetch, sign_in

# The realistic mix: what each role opens, by weight (pages are bench.stats.PAGES keys).
MIX = {
    "coordinator": {
        "proposal_list": 3,
        "proposal_list_filtered": 3,
        "proposal_detail": 3,
        "dashboard": 2,
        "statistics": 1,
    },
    "clerk": {"inbox": 4, "proposal_detail": 3, "reply_editor": 3},
    "leader": {"inbox": 3, "proposal_detail": 2, "reply_editor": 2},
    "deputy": {"deputy_home": 3, "proposal_detail": 2},
    "public": {"portal_search": 1},
}


class Plan:
    """The plan file, and which account each new simulated user of a role takes."""

    def __init__(self, data: dict):
        self.data = data
        self._next = defaultdict(itertools.count)

    @classmethod
    def load(cls, path: str | None = None) -> Plan:
        with open(path or os.environ["BENCH_PLAN"], encoding="utf-8") as fh:
            return cls(json.load(fh))

    @property
    def password(self) -> str:
        return self.data["password"]

    def accounts(self, role: str) -> list[dict]:
        return self.data["accounts"][role]

    def take(self, role: str) -> dict:
        accounts = self.accounts(role)
        return accounts[next(self._next[role]) % len(accounts)]

    def urls(self, account: dict, page: str) -> list[str]:
        return account.get("urls", {}).get(page) or self.data["urls"].get(page) or []


_plan: Plan | None = None


def plan() -> Plan:
    global _plan
    if _plan is None:
        _plan = Plan.load()
    return _plan


def use_plan(new: Plan) -> None:
    global _plan
    _plan = new


class BenchUser(FastHttpUser):
    """One person at a browser: signs in once, then opens the role's pages with 1–3 s between
    them (the realistic mix)."""

    abstract = True
    role = ""
    wait_time = between(1, 3)
    # FastHttpUser's default is 10 s; a slow page should be measured, not cut off.
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self):
        self.account = plan().take(self.role) if self.role != "public" else {}
        if self.role != "public":
            sign_in(self.client, self.account["username"], plan().password, self.account.get("totp"))
        weights = {page: w for page, w in MIX[self.role].items() if plan().urls(self.account, page)}
        self.pages, self.weights = list(weights), list(weights.values())

    @task
    def open_a_page(self):
        page = random.choices(self.pages, self.weights)[0]  # noqa: S311 - a load mix, not security  # nosec B311
        fetch(self.client, page, random.choice(plan().urls(self.account, page)))  # noqa: S311  # nosec B311


class Coordinator(BenchUser):
    role = "coordinator"
    weight = 8


class Clerk(BenchUser):
    role = "clerk"
    weight = 20


class Leader(BenchUser):
    role = "leader"
    weight = 6


class Deputy(BenchUser):
    role = "deputy"
    weight = 12


class Visitor(BenchUser):
    """The public portal, not signed in."""

    role = "public"
    weight = 4


ROLE_CLASSES = {cls.role: cls for cls in (Coordinator, Clerk, Leader, Deputy, Visitor)}
