"""One signed-in add is one trace, and its id is the request id: a small OTLP/HTTP receiver collects the
spans of a local stack started with OTEL_EXPORTER_OTLP_ENDPOINT pointing at it and LOG_FORMAT=json,
and the gateway's, session-service's and catalog-service's log lines carry the same id
(docs/observability.md, Traces)."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.trace.v1.trace_pb2 import Span as SpanProto
from shop_stack.local import LocalStack
from stack_client import LOGIN_BURST, LOGIN_RATE, Browser, new_user

WITHIN = 15.0  # seconds for the spans and log lines to arrive (batches leave every 0.2 s here)


@dataclass(frozen=True)
class Span:
    service: str
    scope: str  # the instrumentation that made it
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_id: str
    attributes: dict[str, Any]


class OtlpReceiver:
    """An OTLP/HTTP trace receiver (POST /v1/traces, protobuf) that keeps every span it is sent."""

    def __init__(self) -> None:
        self.spans: list[Span] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                if self.path != "/v1/traces":
                    self.send_error(404)
                    return
                receiver.keep(ExportTraceServiceRequest.FromString(body))
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def keep(self, export: ExportTraceServiceRequest) -> None:
        for resource_spans in export.resource_spans:
            resource = {kv.key: kv.value.string_value for kv in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {kv.key: _value(kv.value) for kv in span.attributes}
                    self.spans.append(
                        Span(
                            service=resource["service.name"],
                            scope=scope_spans.scope.name,
                            name=span.name,
                            kind=SpanProto.SpanKind.Name(span.kind),
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            attributes=attributes,
                        )
                    )

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _value(value: Any) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    otlp = OtlpReceiver()
    yield otlp
    otlp.stop()


@pytest.fixture(scope="module")
def traced_stack(receiver: OtlpReceiver) -> Iterator[LocalStack]:
    """A local stack of its own whose services export spans to `receiver` and log JSON."""
    settings = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_BSP_SCHEDULE_DELAY": "200",  # milliseconds between batches, not the default 5 s
        "LOG_FORMAT": "json",
        "WEB_CONCURRENCY": "1",  # one worker per service: enough here, and the machine is small
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)  # the stack hands its own environment to every part
    try:
        stack = LocalStack(login_rate=LOGIN_RATE, login_burst=LOGIN_BURST, tls=False).start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    try:
        yield stack
    finally:
        stack.stop()


def signed_in_add(gateway_url: str) -> tuple[str, str]:
    """Sign a new user in, add a good to them; the add's request id and path."""
    browser: Browser = new_user(gateway_url, "trace")
    good = browser.get("/api/catalog/goods?limit=1").json()["items"][0]
    path = f"/api/catalog/me/goods/{good['id']}"
    added = browser.put(path)
    assert added.status_code == 201, added.text
    return added.headers["X-Request-ID"], path


def whole_trace(receiver: OtlpReceiver, trace_id: str) -> list[Span]:
    """The spans of `trace_id` once both services' have come, SQL included; else []."""
    spans = [span for span in receiver.spans if span.trace_id == trace_id]
    services = {span.service for span in spans}
    sql = [span for span in spans if span.service == "catalog-service" and span.kind == "SPAN_KIND_CLIENT"]
    return spans if {"session-service", "catalog-service"} <= services and sql else []


def wait_for(what: str, found: Any) -> Any:
    deadline = time.monotonic() + WITHIN
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert result, f"{what}: not seen within {WITHIN:.0f} s"
    return result


def log_lines(stack: LocalStack, part: str) -> list[dict[str, Any]]:
    """The JSON lines of one part's log (others, such as gunicorn's start-up text, are skipped)."""
    lines = []
    for line in (stack.workdir / "logs" / f"{part}.log").read_text(errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_a_signed_in_add_is_one_trace_whose_id_is_the_request_id(
    traced_stack: LocalStack, receiver: OtlpReceiver
) -> None:
    request_id, path = signed_in_add(traced_stack.gateway_url)
    assert len(request_id) == 32  # the gateway's own id: nothing was sent

    spans = wait_for(f"the spans of trace {request_id}", lambda: whole_trace(receiver, request_id))
    by_id = {span.span_id: span for span in spans}
    gateway_hop = request_id[16:]  # the traceparent's parent id: the second half of nginx's $request_id

    auth = [span for span in spans if span.service == "session-service" and span.kind == "SPAN_KIND_SERVER"]
    assert [(span.name, span.parent_id) for span in auth] == [("GET /auth", gateway_hop)]
    assert auth[0].scope == "shop_common.tracing"  # the fast path's own span: Flask never saw the yes
    assert auth[0].attributes["http.route"] == "/auth"
    assert auth[0].attributes["http.response.status_code"] == 200  # the fast path's yes
    # its one Redis read (the session), a child of the /auth span
    redis_reads = [
        span for span in spans if span.service == "session-service" and span.kind == "SPAN_KIND_CLIENT"
    ]
    assert [span.parent_id for span in redis_reads] == [auth[0].span_id]
    assert redis_reads[0].attributes.get("db.system") == "redis"

    catalog = [
        span for span in spans if span.service == "catalog-service" and span.kind == "SPAN_KIND_SERVER"
    ]
    assert len(catalog) == 1 and catalog[0].parent_id == gateway_hop
    assert catalog[0].name == "PUT /me/goods/<id:good_id>"
    statements = [
        span for span in spans if span.service == "catalog-service" and span.kind == "SPAN_KIND_CLIENT"
    ]
    for statement in statements:  # each under catalog-service's request span
        assert by_id[statement.parent_id] == catalog[0]
    texts = [
        span.attributes.get("db.statement") or span.attributes.get("db.query.text") for span in statements
    ]
    assert any("EXECUTE add_my_good" in text for text in texts if text), texts

    # The JSON logs of all three carry the id: as request id, and as trace id in the services'.
    def logged() -> dict[str, list[dict[str, Any]]]:
        found = {
            part: [line for line in log_lines(traced_stack, part) if line.get("request_id") == request_id]
            for part in ("gateway", "session", "catalog")
        }
        return found if all(found.values()) else {}

    lines = wait_for(f"log lines with {request_id}", logged)
    assert [(line["method"], line["uri"], line["status"]) for line in lines["gateway"]] == [
        ("PUT", path, 201)
    ]
    for part in ("session", "catalog"):
        assert {line["trace_id"] for line in lines[part]} == {request_id}, part
    assert any(line.get("route") == "/auth" for line in lines["session"])
    assert any(line.get("status") == 201 for line in lines["catalog"])


def test_probes_are_not_traced(traced_stack: LocalStack, receiver: OtlpReceiver) -> None:
    """/healthz and /readyz run every few seconds everywhere: no trace each (shop_common.tracing)."""
    for url in (traced_stack.catalog_url, traced_stack.session_url):
        for path in ("/healthz", "/readyz"):
            assert requests.get(url + path, timeout=5).ok
    marker, _ = signed_in_add(traced_stack.gateway_url)  # each worker sends its spans in order
    wait_for("the marker add's spans", lambda: whole_trace(receiver, marker))
    assert receiver.spans, "nothing traced at all"
    routes = {span.attributes.get("http.route") for span in receiver.spans}
    assert not routes & {"/healthz", "/readyz"}
