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
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from fault_tools import Faults, Ledger, check_no_lost_writes, kill_tree, writer
from stack_client import Browser
from traffic import Traffic, timed, wait_for

OUTAGE = 3.0  # seconds the dependency stays down while traffic flows
MAX_ANSWER = 3.0  # every answer, during an outage too, within this many seconds
RECOVERY = 10.0  # back to serving within this many seconds of the dependency being back


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


def test_catalog_answers_503_during_a_postgres_restart_and_recovers_by_itself(
    stack: Any, faults: Faults, signed_in: Browser
) -> None:
    readers, writes, check_writes = reads_and_writes(
        stack, signed_in, lambda i, goods: f"{stack.catalog_url}/goods?limit=5", seed=1
    )
    with readers, writes:
        outage = faults.outage("postgres", OUTAGE, f"{stack.catalog_url}/goods?limit=1", RECOVERY)
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
    check_writes()


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
