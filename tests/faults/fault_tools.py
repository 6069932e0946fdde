"""Fault injection for both stack modes, and the writes whose outcome must survive a fault."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from traffic import Outcome, timed, wait_for

COMPOSE_SERVICE = {
    "postgres": "postgres",
    "redis": "redis",
    "catalog": "catalog-service",
    "session": "session-service",
    "gateway": "gateway",
}


@dataclass
class Outage:
    """When a part was down and whether the service behind it came back."""

    down_from: float
    down_until: float
    back_at: float
    recovered: float | None  # seconds from back_at until ready again; None if not within the limit


class Faults:
    """Stop, kill and start parts of the running stack, whichever way it runs."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.mode = stack.mode

    def compose(self, *args: str, scaled: bool = False, timeout: float = 300) -> str:
        """`docker compose ARGS` on the stack's project; its output."""
        done = self.stack.compose.compose(*args, scaled=scaled, capture_output=True, timeout=timeout)
        return str(done.stdout)

    def stop(self, part: str) -> None:
        """Graceful stop (SIGTERM / `docker compose stop`)."""
        if self.mode == "local":
            self.stack.local.stop_part(part)
        else:
            self.compose("stop", COMPOSE_SERVICE[part])

    def start(self, part: str) -> None:
        if self.mode == "local":
            self.stack.local.restart_part(part)
        else:
            self.compose("start", COMPOSE_SERVICE[part])

    def outage(
        self,
        part: str,
        seconds: float,
        ready_url: str,
        recovery: float,
        while_down: Callable[[], object] | None = None,
    ) -> Outage:
        """With traffic flowing: 1 s as usual, `part` down for `seconds`, then started again.

        `while_down` runs as soon as `part` is stopped; the outage lasts until it returns if that
        is longer. Waits until `ready_url` answers 200 (at most `recovery` s), then 1 s more of traffic."""
        time.sleep(1.0)
        self.stop(part)
        down_from = time.monotonic()
        try:
            if while_down is not None:
                while_down()
        finally:  # started again whatever while_down did
            time.sleep(max(0.0, down_from + seconds - time.monotonic()))
            down_until = time.monotonic()
            self.start(part)
        back_at = time.monotonic()
        recovered = wait_for(lambda: requests.get(ready_url, timeout=3).status_code == 200, recovery)
        time.sleep(1.0)
        return Outage(down_from, down_until, back_at, recovered)


class AlertWatch:
    """One alert of the compose stack's Prometheus, watched through its API while a fault runs.

    The test stack's Prometheus scrapes every 2 s, evaluates every second and no alert's `for` is
    longer than a second (tests/conftest.py, shop_stack.observability): an alert follows a fault
    within seconds."""

    def __init__(self, prometheus_url: str, alert: str) -> None:
        self.url = prometheus_url
        self.alert = alert
        self.seen: list[tuple[float, str | None]] = []  # (monotonic time, state) of every look

    def state(self) -> str | None:
        """The state now: firing, pending or None (inactive)."""
        answer = requests.get(f"{self.url}/api/v1/alerts", timeout=3).json()
        states = {a["state"] for a in answer["data"]["alerts"] if a["labels"].get("alertname") == self.alert}
        state = "firing" if "firing" in states else ("pending" if states else None)
        self.seen.append((time.monotonic(), state))
        return state

    def rule_for(self) -> float:
        """The alert's `for` in the running Prometheus, in seconds."""
        answer = requests.get(f"{self.url}/api/v1/rules", params={"type": "alert"}, timeout=3).json()
        rules = [r for g in answer["data"]["groups"] for r in g["rules"] if r["name"] == self.alert]
        assert rules, f"Prometheus has no alert {self.alert}"
        return float(rules[0]["duration"])

    def wait(self, wanted: str | None, limit: float) -> float | None:
        """Seconds until the alert's state is `wanted` (None: inactive), or None if not within `limit`."""
        started = time.monotonic()
        while True:
            if self.state() == wanted:
                return time.monotonic() - started
            if time.monotonic() - started > limit:
                return None
            time.sleep(0.25)

    def history(self) -> str:
        """The states seen, each with its time relative to the first look: for failure messages."""
        if not self.seen:
            return "never looked"
        first = self.seen[0][0]
        return ", ".join(f"{t - first:.1f}s:{state or 'inactive'}" for t, state in self.seen[-40:])


def kill_tree(pid: int) -> None:
    """SIGKILL a process and its direct children (a gunicorn master and its workers)."""
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        children += [int(c) for c in task.read_text().split()]
    for victim in (pid, *children):
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)


@dataclass
class Ledger:
    """Every add/remove a writer made, in order, with the answer it got."""

    ops: list[tuple[float, str, int, int | None]] = field(default_factory=list)  # (t, op, good, status)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, op: str, good_id: int, status: int | None) -> None:
        with self.lock:
            self.ops.append((time.monotonic(), op, good_id, status))

    def expected(self) -> tuple[dict[int, bool], set[int]]:
        """(good -> must be owned) for goods whose last op was acknowledged, and the undecided goods."""
        last: dict[int, tuple[str, int | None]] = {}
        for _, op, good_id, status in sorted(self.ops):
            last[good_id] = (op, status)
        decided = {g: op == "PUT" for g, (op, st) in last.items() if st is not None and 200 <= st < 300}
        undecided = {g for g in last if g not in decided}
        return decided, undecided


def writer(browser: Any, goods: list[int], ledger: Ledger, rng: random.Random) -> Callable[[int], Outcome]:
    """A traffic call that adds or removes one of `goods` through the gateway and records the answer.

    Each thread owns a disjoint slice of the goods, so one good's ops are strictly ordered."""

    def call(index: int) -> Outcome:
        mine = goods[index::3] or goods
        good_id = rng.choice(mine)
        method = rng.choice(["PUT", "DELETE"])
        outcome = timed(browser, method, f"/api/catalog/me/goods/{good_id}", what=method)
        ledger.record(method, good_id, outcome.status)
        return outcome

    return call


def owned_goods(browser: Any) -> set[int]:
    """Every good id the browser's user owns, following cursors (bounded)."""
    owned: set[int] = set()
    cursor = None
    for _ in range(50):
        params = {"limit": "50", **({"cursor": cursor} if cursor else {})}
        response = browser.get("/api/catalog/me/goods", params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        owned |= {item["id"] for item in body["items"]}
        cursor = body["next_cursor"]
        if not cursor:
            break
    return owned


def good_owners(base: str, good_id: int) -> set[int]:
    response = requests.get(f"{base}/api/catalog/goods/{good_id}/users", params={"limit": "50"}, timeout=5)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def check_no_lost_writes(stack: Any, browser: Any, user_id: int, ledger: Ledger) -> None:
    """Acknowledged adds/removes are in the database; the other goods are in one consistent state."""
    decided, undecided = ledger.expected()
    owned = owned_goods(browser)
    lost = {g: want for g, want in decided.items() if (g in owned) != want}
    assert not lost, f"acknowledged writes lost (good -> should be owned): {lost}"
    # A failed write happened fully or not at all: both views of the link agree.
    for good_id in undecided:
        assert (user_id in good_owners(stack.gateway_url, good_id)) == (good_id in owned), good_id
