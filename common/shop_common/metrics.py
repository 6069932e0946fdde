"""Prometheus metrics for both services: every request by route template, and a few domain figures.

Each gunicorn worker writes its figures to its own files in PROMETHEUS_MULTIPROC_DIR (a tmpfs
directory prepared by `shop_common.gunicorn_metrics` before any worker starts) and GET /metrics
sums them all, so one scrape sees the whole replica, not the one worker that happened to answer.
Without that variable (unit tests, `flask run`) the figures live in the process, as usual.

`METRICS=off` leaves the app as it was: no timing, no /metrics, and the helpers below do nothing.
"""

import os
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
    """One service's metric children, created once: a request only looks its pair up."""

    def __init__(self, service: str, unavailable_cause: str, sign_in_endpoint: str | None) -> None:
        self.service = service
        self.unavailable_cause = unavailable_cause
        self.sign_in_endpoint = sign_in_endpoint
        self._per_request: dict[tuple[str, str, str], tuple[Callable[..., None], Callable[..., None]]] = {}
        self._children: dict[tuple[Any, ...], Any] = {}

    def child(self, metric: Any, *labels: str) -> Any:
        key = (metric, *labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(self.service, *labels)
        return found

    def observe_request(self, method: str, status: str, route: str, seconds: float) -> None:
        key = (method, status, route)
        pair = self._per_request.get(key)
        if pair is None:
            labels = (self.service, *key)
            pair = self._per_request[key] = (
                REQUESTS.labels(*labels).inc,
                DURATION.labels(*labels).observe,
            )
        pair[0]()
        pair[1](seconds)


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
                figures.child(UNAVAILABLE, environ.get(_CAUSE_KEY, figures.unavailable_cause)).inc()
            if rule is not None and rule.endpoint == figures.sign_in_endpoint:
                outcome = _SIGN_IN_OUTCOMES.get(status, "error" if status[0] == "5" else "invalid")
                figures.child(SIGN_INS, outcome).inc()

    return measured


def _serve_metrics(method: str, start_response: Callable[..., Any]) -> Iterable[bytes]:
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
        figures.child(GOODS_ADDED).inc(count)


def count_goods_removed(count: int = 1) -> None:
    """Count goods taken off a user's list (only the ones that were there)."""
    if (figures := _figures()) and count:
        figures.child(GOODS_REMOVED).inc(count)


def count_dependency_error(dependency: Dependency) -> None:
    """Count one failed call to PostgreSQL, Redis or catalog-service."""
    if figures := _figures():
        figures.child(DEPENDENCY_ERRORS, dependency).inc()


def note_route(environ: dict[str, Any], rule: Rule) -> None:
    """Label a request answered before Flask routes it (session-service's /auth) with its URL rule."""
    environ[_ROUTE_KEY] = rule


def note_unavailable(cause: Dependency) -> None:
    """Blame this request's 503, if it answers one, on `cause` rather than the service's own store."""
    request.environ[_CAUSE_KEY] = cause


def track_pool(app: Flask, engine: Any, pool: str = "default") -> None:
    """Keep `db_pool_connections_in_use{pool=...}` equal to the engine's checked-out connections.

    Set from the pool's own count on each checkout and checkin rather than counted up and down,
    so a checkout that another listener aborts (the idle-connection ping) cannot skew it.
    """
    figures: _Figures | None = app.extensions.get(EXTENSION)
    if figures is None:
        return
    from sqlalchemy import event

    in_use = figures.child(POOL_IN_USE, pool)

    def checked_out() -> int:
        count = getattr(engine.pool, "checkedout", None)  # QueuePool; test pools may lack it
        return int(count()) if count else 0

    @event.listens_for(engine, "checkout")
    def on_checkout(*_: Any) -> None:
        in_use.set(checked_out())

    @event.listens_for(engine, "checkin")
    def on_checkin(*_: Any) -> None:
        in_use.set(max(checked_out() - 1, 0))  # the connection is still counted until it is back


def record_worker_threads(app: Any, threads: int) -> None:
    """Note how many requests this worker can serve at once (called by gunicorn's post_worker_init)."""
    figures: _Figures | None = getattr(app, "extensions", {}).get(EXTENSION)
    if figures is not None:
        figures.child(WORKER_THREADS).set(threads)
