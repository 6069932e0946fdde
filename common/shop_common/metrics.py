"""Prometheus metrics for both services: every request by route template, and a few domain figures.

Each gunicorn worker writes its figures to its own files in PROMETHEUS_MULTIPROC_DIR (a tmpfs
directory prepared by `shop_common.gunicorn_metrics` before any worker starts) and GET /metrics
sums them all, so one scrape sees the whole replica, not the one worker that happened to answer.
Without that variable (unit tests, `flask run`) the figures live in the process, as usual.

A request does not write its figures itself: it appends them to a queue, and a background
thread adds the queue up and writes each series once a second (see `flush`). In multiprocess
mode every write is an mmap write under one process-wide lock; a request made five of them,
and with four threads contending for the lock that cost about 10 % of a request's CPU (the
bench's metrics on/off step). A scrape writes what is pending first, and so does a worker that
exits (gunicorn's worker_exit hook), so the figures reach /metrics within a second; a worker
killed outright (SIGKILL) loses at most its last second of them.

`METRICS=off` leaves the app as it was: no timing, no /metrics, and the helpers below do nothing.
"""

import logging
import os
import threading
import time
import weakref
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable
from time import perf_counter
from typing import Any, Literal

from flask import Flask, Request, current_app, request
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector
from werkzeug.routing import Rule

from .gunicorn_metrics import metrics_enabled

EXTENSION = "shop_metrics"
PATH = "/metrics"
# The one route label of every request no URL rule matched (404s, 405s, slash redirects): a
# scanner trying a million paths must not create a million series.
UNMATCHED = "<unmatched>"
# So is the method: any token is a valid HTTP method, so unknown ones share a label.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_ROUTE_KEY = "shop.url_rule"  # environ key: the matched rule, kept after Flask drops the request
_CAUSE_KEY = "shop.unavailable_cause"  # environ key: what a 503 answer is blamed on

# Requests take about a millisecond here; the 0.25 s bound is the latency alert's threshold.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_REQUEST_LABELS = ("service", "method", "status", "route")

REQUESTS = Counter("http_requests_total", "HTTP requests answered.", _REQUEST_LABELS)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time from the request reaching the app to its answer.",
    _REQUEST_LABELS,
    buckets=_BUCKETS,
)
SIGN_INS = Counter("shop_sign_ins_total", "Sign-in attempts by outcome.", ("service", "outcome"))
GOODS_ADDED = Counter("shop_goods_added_total", "Goods put on a user's list.", ("service",))
GOODS_REMOVED = Counter("shop_goods_removed_total", "Goods taken off a user's list.", ("service",))
DEPENDENCY_ERRORS = Counter(
    "shop_dependency_errors_total", "Failed calls to PostgreSQL or Redis.", ("service", "dependency")
)
UNAVAILABLE = Counter("shop_unavailable_total", "Answers 503, by cause.", ("service", "cause"))
# "livesum": the sum over the worker processes alive now; a dead worker's share is dropped.
POOL_IN_USE = Gauge(
    "db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    ("service", "pool"),
    multiprocess_mode="livesum",
)
WORKER_THREADS = Gauge(
    "http_worker_threads",
    "Threads that serve requests (gunicorn workers x threads); the saturation alert's denominator.",
    ("service",),
    multiprocess_mode="livesum",
)

Dependency = Literal["postgresql", "redis", "catalog-service"]
# A sign-in's outcome, from its answer; any other 4xx is "invalid" (malformed, cross-site).
_SIGN_IN_OUTCOMES = {"200": "ok", "401": "bad_credentials", "503": "unavailable"}


class _Figures:
    """One service's metric children, created once, and the gauges sampled when figures are written."""

    def __init__(self, service: str, unavailable_cause: str, sign_in_endpoint: str | None) -> None:
        self.service = service
        self.unavailable_cause = unavailable_cause
        self.sign_in_endpoint = sign_in_endpoint
        self.samplers: list[tuple[Any, Callable[[], int]]] = []  # (gauge child, its reading)
        self._children: dict[tuple[Any, ...], Any] = {}
        _live_figures.add(self)

    def child(self, metric: Any, *labels: str) -> Any:
        key = (metric, *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(self.service, *labels)
        return found

    def count(self, metric: Any, *labels: str, amount: float = 1) -> None:
        """Add `amount` to a counter at the next flush."""
        _pending_counts.append((self.child(metric, *labels), amount))

    def observe_request(self, method: str, status: str, route: str, seconds: float) -> None:
        _pending_requests.append((self.service, method, status, route, seconds))
        if _flusher is None:
            _start_flusher()


# --- the queue of figures and the thread that writes them -----------------------------------

FLUSH_SECONDS = 1.0
_pending_requests: deque[tuple[str, str, str, str, float]] = deque()  # append and popleft are atomic
_pending_counts: deque[tuple[Any, float]] = deque()
_live_figures: "weakref.WeakSet[_Figures]" = weakref.WeakSet()
_request_children: dict[tuple[str, str, str, str], tuple[Any, Any]] = {}
_flush_lock = threading.Lock()  # a scrape's flush waits for the thread's, so it sees every figure
_start_lock = threading.Lock()
_flusher: threading.Thread | None = None


def flush() -> None:
    """Write every pending figure to prometheus_client's values: one write per series, not per request."""
    with _flush_lock:
        durations: dict[tuple[str, str, str, str], list[float]] = {}
        while _pending_requests:
            service, method, status, route, seconds = _pending_requests.popleft()
            durations.setdefault((service, method, status, route), []).append(seconds)
        for labels, observed in durations.items():
            children = _request_children.get(labels)
            if children is None:
                children = _request_children[labels] = (REQUESTS.labels(*labels), DURATION.labels(*labels))
            children[0].inc(len(observed))
            observe_all(children[1], observed)
        counts: dict[Any, float] = {}
        while _pending_counts:
            child, amount = _pending_counts.popleft()
            counts[child] = counts.get(child, 0) + amount
        for child, amount in counts.items():
            child.inc(amount)
        # Summed per series: apps of one service in one process (tests make many) share a series.
        readings: dict[Any, int] = {}
        for figures in list(_live_figures):
            for gauge, read in figures.samplers:
                readings[gauge] = readings.get(gauge, 0) + read()
        for gauge, reading in readings.items():
            gauge.set(reading)


def observe_all(histogram: Any, amounts: list[float]) -> None:
    """What `histogram.observe(amount)` for each amount does, in one write per bucket.

    prometheus_client has no batch observe, so this writes the child's own sum and (non-
    cumulative) bucket values, as `Histogram.observe` does; a test compares the two.
    """
    bounds = histogram._upper_bounds  # the last is +Inf
    per_bucket = [0] * len(bounds)
    for amount in amounts:
        per_bucket[bisect_left(bounds, amount)] += 1  # the first bound >= amount, as observe picks
    histogram._sum.inc(sum(amounts))
    for bucket, count in zip(histogram._buckets, per_bucket, strict=True):
        if count:
            bucket.inc(count)


def _start_flusher() -> None:
    global _flusher
    with _start_lock:
        if _flusher is None:
            _flusher = threading.Thread(target=_flush_forever, name="metrics-flush", daemon=True)
            _flusher.start()


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        try:
            flush()
        except Exception:  # a figure lost must not stop the figures
            logging.getLogger(__name__).exception("writing the metrics failed")


def _forget_flusher() -> None:
    """In a forked child (a gunicorn worker) the parent's thread does not exist; its queue is the parent's."""
    global _flusher
    _flusher = None
    _pending_requests.clear()
    _pending_counts.clear()


os.register_at_fork(after_in_child=_forget_flusher)


def init_metrics(
    app: Flask,
    service: str,
    unavailable_cause: Dependency,
    sign_in_endpoint: str | None = None,
    enabled: bool | None = None,
) -> None:
    """Time every request and answer GET /metrics, unless metrics are off (METRICS=off).

    Every 503 answer is counted by cause: what `note_unavailable` named during the request,
    else `unavailable_cause`, the service's own store. Answers of `sign_in_endpoint` count as
    sign-ins by outcome. Call this last in the factory: it wraps `app.wsgi_app`, and only the
    outermost wrapper sees the final answer, including the ones given for errors outside
    Flask's handlers (a sign-in whose session could not be saved is "unavailable", not "ok").
    """
    if not (metrics_enabled() if enabled is None else enabled):
        return
    figures = _Figures(service, unavailable_cause, sign_in_endpoint)
    app.extensions[EXTENSION] = figures
    # Series that exist from the start read 0 rather than "no data" until the first event.
    figures.child(UNAVAILABLE, unavailable_cause)
    figures.child(DEPENDENCY_ERRORS, unavailable_cause)
    if sign_in_endpoint is not None:
        for outcome in {*_SIGN_IN_OUTCOMES.values(), "invalid", "error"}:
            figures.child(SIGN_INS, outcome)
    app.request_class = _remembering_rule(app.request_class)
    app.wsgi_app = _measured(app.wsgi_app, figures)  # type: ignore[method-assign]


def _remembering_rule(request_class: type[Request]) -> type[Request]:
    """A request class that keeps its matched URL rule in the WSGI environ.

    Flask drops the request object when the request context ends, before the wrapper below
    records the answer; the environ outlives it. A property costs far less than a teardown
    hook, which Flask calls through `ensure_sync` on every request.
    """

    class RuleInEnviron(request_class):  # type: ignore[valid-type,misc]
        @property
        def url_rule(self) -> Rule | None:
            return self.environ.get(_ROUTE_KEY)  # type: ignore[no-any-return]

        @url_rule.setter
        def url_rule(self, rule: Rule | None) -> None:
            self.environ[_ROUTE_KEY] = rule

    return RuleInEnviron


def _measured(inner: Callable[..., Iterable[bytes]], figures: _Figures) -> Callable[..., Iterable[bytes]]:
    def measured(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        # Served here, before Flask: a scrape must work while Redis or PostgreSQL is down. Only
        # to direct callers (Prometheus on the backend network): a request that came through a
        # proxy, which adds X-Forwarded-For, goes on to Flask and its 404, whatever the
        # gateway's routes say.
        if (
            environ.get("PATH_INFO") == PATH
            and method in ("GET", "HEAD")
            and "HTTP_X_FORWARDED_FOR" not in environ
        ):
            return _serve_metrics(method, start_response)
        started = perf_counter()
        status = "500"  # what the server answers if an error escapes every handler

        def start_and_note(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            nonlocal status
            status = status_line[:3]
            return start_response(status_line, headers, exc_info)

        try:
            return inner(environ, start_and_note)
        finally:
            rule = environ.get(_ROUTE_KEY)
            figures.observe_request(
                method if method in _METHODS else "OTHER",
                status,
                rule.rule if rule is not None else UNMATCHED,
                perf_counter() - started,
            )
            if status == "503":
                figures.count(UNAVAILABLE, environ.get(_CAUSE_KEY, figures.unavailable_cause))
            if rule is not None and rule.endpoint == figures.sign_in_endpoint:
                outcome = _SIGN_IN_OUTCOMES.get(status, "error" if status[0] == "5" else "invalid")
                figures.count(SIGN_INS, outcome)

    return measured


def _serve_metrics(method: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
    flush()  # this worker's pending figures; the other workers write theirs within a second
    body = generate_latest(_registry())
    start_response(
        "200 OK",
        [("Content-Type", CONTENT_TYPE_PLAIN_0_0_4), ("Content-Length", str(len(body)))],
    )
    return [body if method == "GET" else b""]


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    # The documented multiprocess pattern: a fresh registry that reads every worker's files.
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


def _figures() -> _Figures | None:
    return current_app.extensions.get(EXTENSION)  # type: ignore[no-any-return]


def count_goods_added(count: int = 1) -> None:
    """Count goods put on a user's list (only the ones that were not there yet)."""
    if (figures := _figures()) and count:
        figures.count(GOODS_ADDED, amount=count)


def count_goods_removed(count: int = 1) -> None:
    """Count goods taken off a user's list (only the ones that were there)."""
    if (figures := _figures()) and count:
        figures.count(GOODS_REMOVED, amount=count)


def count_dependency_error(dependency: Dependency) -> None:
    """Count one failed call to PostgreSQL, Redis or catalog-service."""
    if figures := _figures():
        figures.count(DEPENDENCY_ERRORS, dependency)


def note_route(environ: dict[str, Any], rule: Rule) -> None:
    """Label a request answered before Flask routes it (session-service's /auth) with its URL rule."""
    environ[_ROUTE_KEY] = rule


def note_unavailable(cause: Dependency) -> None:
    """Blame this request's 503, if it answers one, on `cause` rather than the service's own store."""
    request.environ[_CAUSE_KEY] = cause


def track_pool(app: Flask, engine: Any, pool: str = "default") -> None:
    """Keep `db_pool_connections_in_use{pool=...}` equal to the engine's checked-out connections.

    Sampled from the pool's own count whenever the figures are written (once a second, and before
    every scrape) rather than set on every checkout and checkin: two writes per request saved.
    """
    figures: _Figures | None = app.extensions.get(EXTENSION)
    if figures is None:
        return
    in_use = figures.child(POOL_IN_USE, pool)

    def checked_out() -> int:
        count = getattr(engine.pool, "checkedout", None)  # QueuePool; test pools may lack it
        return int(count()) if count else 0

    figures.samplers.append((in_use, checked_out))


def record_worker_threads(app: Any, threads: int) -> None:
    """Note how many requests this worker can serve at once (called by gunicorn's post_worker_init)."""
    figures: _Figures | None = getattr(app, "extensions", {}).get(EXTENSION)
    if figures is not None:
        figures.child(WORKER_THREADS).set(threads)
