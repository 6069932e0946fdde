"""Faults with traffic flowing: database and Redis restarts, a replica killed, a graceful stop.

Every request here is bounded (5 s client timeout, traffic loops with a deadline). The checks:
answers during an outage are quick 503 JSON, service comes back on its own, and no write that was
acknowledged is lost.
"""

from __future__ import annotations

import random
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from fault_tools import AlertWatch, Faults, Ledger, Outage, check_no_lost_writes, kill_tree, writer
from stack_client import Browser
from traffic import Traffic, timed, wait_for

OUTAGE = 3.0  # seconds the dependency stays down while traffic flows
MAX_ANSWER = 3.0  # every answer, during an outage too, within this many seconds
RECOVERY = 10.0  # back to serving within this many seconds of the dependency being back
# Prometheus's PostgresDown alert (compose mode): firing within this many seconds of the stop, and
# inactive again within this many of the catalog serving again (the test stack's Prometheus is a quick one)
ALERT_LIMIT = 15.0


def some_goods(stack: Any, count: int = 9) -> list[int]:
    response = requests.get(f"{stack.gateway_url}/api/catalog/goods", params={"limit": count}, timeout=10)
    assert response.status_code == 200, response.text
    ids = [item["id"] for item in response.json()["items"]]
    assert len(ids) >= 3, "the seeded stack should have goods"
    return ids


def user_id_of(browser: Browser) -> int:
    return int(browser.get("/api/session/me").json()["user"]["id"])


def reads_and_writes(
    stack: Any, browser: Browser, read_url: Callable[[int, list[int]], str], seed: int
) -> tuple[Traffic, Traffic, Callable[[], None]]:
    """Two readers (GET read_url(thread, goods)) and three writers adding and removing goods as
    `browser`; the third item checks afterwards that no acknowledged write was lost."""
    goods = some_goods(stack)
    user_id = user_id_of(browser)
    ledger = Ledger()
    readers = Traffic(lambda i: timed(None, "GET", read_url(i, goods), what="GET"), threads=2)
    writes = Traffic(writer(browser, goods, ledger, random.Random(seed)), threads=3)
    return readers, writes, lambda: check_no_lost_writes(stack, browser, user_id, ledger)


def describe(outcomes: list[Any]) -> str:
    counts: dict[str, int] = {}
    for o in outcomes:
        key = f"{o.what}:{o.status}"
        counts[key] = counts.get(key, 0) + 1
    slowest = max((o.elapsed for o in outcomes), default=0.0)
    return f"{counts}, slowest {slowest:.2f} s"


def assert_quick_and_clean(outcomes: list[Any], allowed: set[int]) -> None:
    """Every call got an answer within MAX_ANSWER, only `allowed` statuses, errors as JSON."""
    assert outcomes, "no traffic recorded"
    no_answer = [o for o in outcomes if o.status is None]
    assert not no_answer, f"{len(no_answer)} calls got no answer (timeout/connection): {describe(outcomes)}"
    slow = [o for o in outcomes if o.elapsed >= MAX_ANSWER]
    assert not slow, f"{len(slow)} calls took >= {MAX_ANSWER} s: {describe(outcomes)}"
    unexpected = [o for o in outcomes if o.status not in allowed]
    assert not unexpected, f"unexpected statuses: {describe(outcomes)}"
    bad_errors = [o for o in outcomes if o.status and o.status >= 400 and not o.json_error]
    assert not bad_errors, f"{len(bad_errors)} error answers were not JSON errors: {describe(outcomes)}"


@dataclass
class PostgresRestart:
    """What one PostgreSQL stop and start with traffic flowing showed (both tests below read it)."""

    readers: Traffic
    writes: Traffic
    outage: Outage
    check_writes: Callable[[], None]
    alert: AlertWatch | None  # compose mode: Prometheus's PostgresDown alert, watched throughout
    alert_before: str | None = None  # its state before the stop
    fired_after: float | None = None  # seconds from the stop until it was firing (None: not in ALERT_LIMIT)
    cleared_after: float | None = None  # seconds from "serving again" until it was inactive


@pytest.fixture(scope="module")
def postgres_restart(stack: Any) -> PostgresRestart:
    """PostgreSQL stopped for OUTAGE s and started again while two readers and three writers run.

    In compose mode the stack's Prometheus (scraping every 2 s, evaluating every second, alerts'
    `for` shortened to 1 s: tests/conftest.py) is asked about PostgresDown before the stop, every 0.25 s while
    PostgreSQL is down (the outage lasts until it fires, at most ALERT_LIMIT s), and after the
    catalog serves again until it clears."""
    if stack.mode not in {"local", "compose"}:
        pytest.skip("fault tests need a stack this session started (local or compose), not an external one")
    faults = Faults(stack)
    browser = Browser(stack.gateway_url)
    name = "u_" + uuid.uuid4().hex[:12]
    browser.sign_up(name)
    browser.sign_in(name)
    readers, writes, check_writes = reads_and_writes(
        stack, browser, lambda i, goods: f"{stack.catalog_url}/goods?limit=5", seed=1
    )
    prometheus = stack.compose.prometheus_url if stack.mode == "compose" else ""
    alert = AlertWatch(prometheus, "PostgresDown") if prometheus else None
    seen: dict[str, Any] = {"before": alert.state() if alert else None}

    def until_firing() -> None:
        if alert is not None:
            seen["fired"] = alert.wait("firing", ALERT_LIMIT)

    with readers, writes:
        outage = faults.outage(
            "postgres", OUTAGE, f"{stack.catalog_url}/goods?limit=1", RECOVERY, while_down=until_firing
        )
    cleared = alert.wait(None, ALERT_LIMIT) if alert else None
    return PostgresRestart(
        readers, writes, outage, check_writes, alert, seen["before"], seen.get("fired"), cleared
    )


def test_catalog_answers_503_during_a_postgres_restart_and_recovers_by_itself(
    postgres_restart: PostgresRestart,
) -> None:
    readers, writes, outage = postgres_restart.readers, postgres_restart.writes, postgres_restart.outage
    outcomes = readers.outcomes + writes.outcomes
    assert_quick_and_clean(outcomes, {200, 201, 204, 503})
    during = readers.between(outage.down_from, outage.down_until)
    during += writes.between(outage.down_from, outage.down_until)
    assert during and all(o.status == 503 for o in during), describe(during)
    assert outage.recovered is not None, (
        f"catalog-service not serving {RECOVERY} s after PostgreSQL came back"
    )
    late = [o for o in readers.after(outage.back_at + RECOVERY)]
    assert all(o.status == 200 for o in late), describe(late)
    postgres_restart.check_writes()


def test_the_postgres_down_alert_fires_during_the_stop_and_clears_after_the_restart(
    postgres_restart: PostgresRestart,
) -> None:
    alert = postgres_restart.alert
    if alert is None:
        pytest.skip("local mode runs no Prometheus: the PostgreSQL-down alert is checked in compose mode")
    shortened = alert.rule_for()
    assert postgres_restart.alert_before is None, f"PostgresDown was already active: {alert.history()}"
    assert postgres_restart.fired_after is not None, (
        f"PostgresDown (for: {shortened:g} s here) not firing within {ALERT_LIMIT} s of the stop: "
        f"{alert.history()}"
    )
    # it was seen firing while PostgreSQL was still stopped: the outage lasted until then
    assert (
        postgres_restart.outage.down_until - postgres_restart.outage.down_from >= postgres_restart.fired_after
    )
    assert postgres_restart.cleared_after is not None, (
        f"PostgresDown still active {ALERT_LIMIT} s after catalog-service served again: {alert.history()}"
    )
    print(
        f"[faults] PostgresDown (for: {shortened:g} s) firing {postgres_restart.fired_after:.1f} s after the "
        f"stop, inactive {postgres_restart.cleared_after:.1f} s after catalog-service served again",
        flush=True,
    )


def test_session_answers_503_during_a_redis_restart_and_nobody_is_signed_out(
    stack: Any, faults: Faults, unique_name: str
) -> None:
    browsers = []
    for n in range(3):
        browser = Browser(stack.gateway_url)
        browser.sign_up(f"{unique_name}_{n}")
        browser.sign_in(f"{unique_name}_{n}")
        browsers.append(browser)
    cookies = [b.cookies.get("sid") for b in browsers]

    def call(index: int) -> Any:
        if index == 0:  # directly
            return timed(None, "GET", f"{stack.session_url}/me", what="direct", cookies={"sid": cookies[0]})
        return timed(browsers[index], "GET", "/api/session/me", what="gateway")

    traffic = Traffic(call, threads=3)
    with traffic:
        outage = faults.outage("redis", OUTAGE, f"{stack.session_url}/readyz", RECOVERY)
    assert_quick_and_clean(traffic.outcomes, {200, 503})
    during = traffic.between(outage.down_from, outage.down_until)
    assert during and all(o.status == 503 for o in during), describe(during)
    assert outage.recovered is not None, f"session-service not ready {RECOVERY} s after Redis came back"
    late = traffic.after(outage.back_at + RECOVERY)
    assert all(o.status == 200 for o in late), describe(late)
    for n, browser in enumerate(browsers):
        me = browser.get("/api/session/me")
        assert me.status_code == 200, me.text
        assert me.json()["user"]["username"] == f"{unique_name}_{n}"
        # the CSRF token survived too: an unsafe call still works
        assert browser.put("/api/session/data/after_restart", json={"value": n}).status_code == 200


@pytest.fixture
def two_catalog_replicas(stack: Any, faults: Faults) -> Iterator[Any]:
    """Two catalog-service replicas behind the gateway; yields a function that kills one."""
    if stack.mode == "local":
        name = stack.local.add_catalog_replica()

        def kill() -> None:
            # the replica must have been serving, or killing it proves nothing
            served = (stack.local.workdir / "logs" / f"{name}.log").read_text(errors="replace")
            assert "/me/goods/" in served and "/goods/" in served, "the second replica got no traffic"
            kill_tree(stack.local.procs[name].pid)

        try:
            yield kill
        finally:
            stack.local.remove_catalog_replica(name)
        return
    faults.compose("up", "-d", "--wait", "--no-build", "--scale", "catalog-service=2", scaled=True)

    def kill_compose() -> None:
        ids = faults.compose("ps", "-q", "catalog-service").split()
        assert len(ids) == 2, ids
        subprocess.run(["docker", "kill", ids[-1]], check=True, capture_output=True, timeout=30)

    try:
        # the gateway re-resolves the service name every few seconds: wait until it has seen both
        time.sleep(12)
        yield kill_compose
    finally:
        faults.compose("up", "-d", "--wait", "--no-build", "--scale", "catalog-service=1", scaled=True)
        faults.compose("up", "-d", "--wait", "--no-build")


def test_killing_one_of_two_catalog_replicas_loses_no_request(
    stack: Any, two_catalog_replicas: Any, signed_in: Browser
) -> None:
    readers, writes, check_writes = reads_and_writes(
        stack, signed_in, lambda i, goods: f"{stack.gateway_url}/api/catalog/goods/{goods[i]}", seed=2
    )
    with readers, writes:
        time.sleep(1.5)
        two_catalog_replicas()
        time.sleep(4.0)
    outcomes = readers.outcomes + writes.outcomes
    assert_quick_and_clean(outcomes, {200, 201, 204})
    check_writes()


def hold_goods_lock(stack: Any, seconds: float) -> threading.Thread:
    """Lock the goods table for `seconds` in another connection; the thread ends when it is released."""
    if stack.mode == "local":
        import psycopg2

        conn = psycopg2.connect(stack.local.database_url)
        cur = conn.cursor()
        cur.execute("LOCK TABLE goods IN ACCESS EXCLUSIVE MODE")  # psycopg2 opened a transaction

        def release() -> None:
            time.sleep(seconds)
            conn.commit()
            conn.close()

        thread = threading.Thread(target=release, daemon=True)
        thread.start()
        return thread
    sql = f"BEGIN; LOCK TABLE goods IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep({seconds}); COMMIT;"
    thread = threading.Thread(target=stack.compose.psql, args=(sql,), daemon=True)
    thread.start()
    held = "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
    held += " WHERE c.relname = 'goods' AND l.mode = 'AccessExclusiveLock' AND l.granted"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # docker exec takes a while: wait until the lock is really held
        if stack.compose.psql(held) == "1":
            return thread
        time.sleep(0.2)
    raise AssertionError("could not take the lock on goods")


def test_sigterm_lets_the_in_flight_request_finish(stack: Any, faults: Faults) -> None:
    good_id = some_goods(stack)[0]
    # local: held 2.5 s from now; compose: 4 s from when psql took it (we see that up to ~1 s late)
    lock = hold_goods_lock(stack, 2.5 if stack.mode == "local" else 4.0)
    result: dict[str, Any] = {}

    def slow_call() -> None:
        result["outcome"] = timed(None, "GET", f"{stack.catalog_url}/goods/{good_id}", timeout=20)

    caller = threading.Thread(target=slow_call)
    caller.start()
    time.sleep(0.7)  # the request is now waiting for the lock inside catalog-service
    stopper = threading.Thread(target=faults.stop, args=("catalog",))
    stopper.start()
    try:
        caller.join(timeout=25)
        stopper.join(timeout=30)
        outcome = result.get("outcome")
        assert outcome is not None and outcome.status == 200, outcome
        assert outcome.elapsed >= 1.0, "the request was not held in flight; the test proves nothing"
    finally:
        lock.join(timeout=20)
        faults.start("catalog")
        assert wait_for(lambda: requests.get(f"{stack.catalog_url}/readyz", timeout=3).status_code == 200, 60)
