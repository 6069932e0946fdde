"""OpenTelemetry traces for both services, on only when OTEL_EXPORTER_OTLP_ENDPOINT names a collector.

The gateway starts every request's trace: its `traceparent` carries the request id as trace id
(gateway/conf/request-id.conf), and these spans continue it, so a trace and the JSON log lines of one
request share one id. With the variable set, the service exports spans over OTLP/HTTP (protobuf) to
`$OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces`: one per request (Flask), per SQL statement (SQLAlchemy),
per Redis command and per outgoing HTTP call (requests), batched by a background thread. The SDK's
own OTEL_* settings apply (OTEL_BSP_SCHEDULE_DELAY, OTEL_EXPORTER_OTLP_HEADERS, ...).

Unset, nothing here runs: OpenTelemetry is not even imported, no wrapper sits around the app and the
requests cost what they cost before.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask

from .json_logs import REPLICA

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
EXTENSION = "shop_tracing"  # app.extensions key: the tracer, for code that answers outside Flask
# Probes and scrapes are not worth a trace each (every 10 s per container, and Prometheus's scrapes).
EXCLUDED_URLS = "/healthz$,/readyz$,/metrics$"

# The client libraries a service may have traced, by name: the instrumentation's module and class.
CLIENT_LIBRARIES = {
    "redis": ("opentelemetry.instrumentation.redis", "RedisInstrumentor"),
    "requests": ("opentelemetry.instrumentation.requests", "RequestsInstrumentor"),
}
_provider: list[Any] = []  # the process's tracer provider, made by the first app that traces


def enabled() -> bool:
    """True when OTEL_EXPORTER_OTLP_ENDPOINT names where to send spans."""
    return bool(os.environ.get(ENDPOINT_VARIABLE, "").strip())


def init_tracing(
    app: Flask, service: str, *, engines: Iterable[Any] = (), clients: Iterable[str] = ()
) -> bool:
    """Trace `app`'s requests, the SQL statements of `engines` and the calls of the `clients` libraries
    (names in CLIENT_LIBRARIES), when enabled(); otherwise do nothing. Returns whether tracing is on."""
    if not enabled():
        return False
    from opentelemetry.instrumentation.flask import FlaskInstrumentor

    provider = _tracer_provider(service)
    FlaskInstrumentor().instrument_app(app, tracer_provider=provider, excluded_urls=EXCLUDED_URLS)
    for engine in engines:
        _trace_statements(engine, provider)
    for library in clients:
        module, instrumentor = CLIENT_LIBRARIES[library]
        getattr(importlib.import_module(module), instrumentor)().instrument(tracer_provider=provider)
    app.extensions[EXTENSION] = provider.get_tracer(__name__)
    return True


def tracer_of(app: Flask) -> Any | None:
    """The tracer init_tracing gave `app`, or None when tracing is off."""
    return app.extensions.get(EXTENSION)


@contextmanager
def server_span(tracer: Any, environ: dict[str, Any], route: str) -> Iterator[Callable[[int], None]]:
    """A server span for a request answered outside Flask (session-service's /auth fast path), in the
    trace of the request's `traceparent`; yields a function that records the answer's status."""
    from opentelemetry import propagate
    from opentelemetry.instrumentation.wsgi import wsgi_getter
    from opentelemetry.trace import SpanKind, Status, StatusCode

    method = environ.get("REQUEST_METHOD", "GET")
    attributes = {
        "http.request.method": method,
        "http.route": route,
        "url.path": environ.get("PATH_INFO", ""),
    }
    context = propagate.extract(environ, getter=wsgi_getter)
    with tracer.start_as_current_span(
        f"{method} {route}", context=context, kind=SpanKind.SERVER, attributes=attributes
    ) as span:

        def note_status(status: int) -> None:
            span.set_attribute("http.response.status_code", status)
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))

        yield note_status


def _trace_statements(engine: Any, provider: Any) -> None:
    """A span per SQL statement `engine` runs: the SQLAlchemy instrumentation's listener on the engine's
    cursor events. Not through SQLAlchemyInstrumentor.instrument(): that also wraps create_engine,
    Engine.connect and create_async_engine process-wide, and on SQLAlchemy 2.1 (which it does not yet
    declare: < 2.1) the last one imports sqlalchemy.ext.asyncio, which needs greenlet, not installed."""
    from opentelemetry import metrics, trace
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.instrumentation.sqlalchemy.version import __version__

    scope = "opentelemetry.instrumentation.sqlalchemy"  # the name the instrumentor gives its spans
    tracer = trace.get_tracer(scope, __version__, provider)
    # The figure the listener keeps of pool connections; no meter provider is set: a no-op counter.
    connections = metrics.get_meter(scope, __version__).create_up_down_counter("db.client.connections.usage")
    EngineTracer(tracer, engine, connections)


def _tracer_provider(service: str) -> Any:
    """The process's tracer provider, exporting in batches to the OTLP endpoint; made once."""
    if not _provider:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        resource = Resource.create({"service.name": service, "service.instance.id": REPLICA})
        provider = TracerProvider(resource=resource)
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))  # the endpoint from OTEL_*
        trace.set_tracer_provider(provider)  # for the instrumentations that only look there
        _provider.append(provider)
    return _provider[0]
