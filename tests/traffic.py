"""Bounded background traffic that records every answer: the fault tests and the Swarm tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass
class Outcome:
    started: float
    elapsed: float
    status: int | None  # None: no answer (connection error or timeout)
    json_error: bool  # the body is the shared JSON error shape
    what: str = ""


@dataclass
class Traffic:
    """A few threads calling `call()` in a loop until stopped or the deadline passes."""

    call: Callable[[int], Outcome]
    threads: int = 3
    deadline: float = 60.0
    pause: float = 0.05
    outcomes: list[Outcome] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Traffic:
        end = time.monotonic() + self.deadline
        lock = threading.Lock()

        def run(index: int) -> None:
            while not self._stop.is_set() and time.monotonic() < end:
                outcome = self.call(index)
                with lock:
                    self.outcomes.append(outcome)
                time.sleep(self.pause)

        self._workers = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(self.threads)]
        for worker in self._workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=15)

    def between(self, start: float, end: float) -> list[Outcome]:
        return [o for o in list(self.outcomes) if start <= o.started and o.started + o.elapsed <= end]

    def after(self, moment: float) -> list[Outcome]:
        return [o for o in list(self.outcomes) if o.started >= moment]


def timed(session: requests.Session | None, method: str, url: str, what: str = "", **kwargs: Any) -> Outcome:
    """One request, bounded by a 5 s timeout, as an Outcome."""
    kwargs.setdefault("timeout", 5)
    started = time.monotonic()
    try:
        response = (session or requests).request(method, url, **kwargs)
    except requests.RequestException:
        return Outcome(started, time.monotonic() - started, None, False, what)
    elapsed = time.monotonic() - started
    try:
        body = response.json()
        json_error = (
            isinstance(body, dict) and isinstance(body.get("error"), dict) and "code" in body["error"]
        )
    except ValueError:
        json_error = False
    return Outcome(started, elapsed, response.status_code, json_error, what)


def wait_for(check: Callable[[], bool], timeout: float, interval: float = 0.2) -> float | None:
    """Seconds until check() was true, or None after `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except requests.RequestException:
            pass
        time.sleep(interval)
    return None
