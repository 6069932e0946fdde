"""LOG_FORMAT=json: every log line one JSON object, and one more per request when it is answered.

Log collectors read fields, not sentences: a line carries the service, the replica, the request
id (the gateway's, so one id finds a call in every process's log), the W3C trace id when the
caller sent a `traceparent`, the method, the route template and the signed-in user's id when
the service knows it (`g.user_id`). The request line adds the status and the duration.

Only names, ids and numbers are logged: never a header value other than those ids, never a body,
so no password, cookie, CSRF token or identity assertion can reach a log line.
"""

import json
import logging
import os
import re
import socket
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REPLICA = socket.gethostname()
ACCESS_LOGGER = "shop.request"
FORMATS = ("text", "json")
# The service this process runs, once its app has configured logging; gunicorn's own lines
# (formatted before the app is loaded, or in the master) fall back to it.
_process_service: list[str] = []
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")
_INVALID_TRACE_ID = "0" * 32
# What a record may carry besides the message: the request line's figures, and the request's
# context when no Flask request is around it (session-service answers /auth before Flask).
_EXTRA_FIELDS = ("request_id", "trace_id", "method", "route", "user_id", "status", "duration_ms")


def log_format() -> str:
    """LOG_FORMAT: text (the default, for a terminal) or json (for log collectors); else stop."""
    value = os.environ.get("LOG_FORMAT", "").strip().lower() or "text"
    if value not in FORMATS:
        sys.exit(f"LOG_FORMAT must be text or json, got {value!r}")
    return value


def set_process_service(service: str) -> None:
    """Name the service whose app this process runs, for lines formatted without one."""
    _process_service[:] = [service]


def trace_id() -> str | None:
    """The trace id of the request's W3C `traceparent` header, when it has a valid one."""
    return trace_id_of(request.headers.get("traceparent", ""))


def trace_id_of(traceparent: str) -> str | None:
    """The trace id in a W3C `traceparent` header value, when it is a valid one."""
    match = _TRACEPARENT.match(traceparent)
    if match is None or match[1] == _INVALID_TRACE_ID:
        return None
    return match[1]


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON with the service's and the request's context."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service or next(iter(_process_service), None),
            "replica": REPLICA,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            rule = request.url_rule
            entry |= {
                "request_id": g.get("request_id"),
                "trace_id": trace_id(),
                "method": request.method,
                "route": rule.rule if rule is not None else None,
                "user_id": g.get("user_id"),
            }
        for name in _EXTRA_FIELDS:
            if name in record.__dict__:
                entry[name] = record.__dict__[name]
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_each_request(app: Flask) -> None:
    """Log one line per answered request (JSON mode's access log, which gunicorn's text one leaves to)."""
    log = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def note_start() -> None:
        g.started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        started = g.get("started")
        duration_ms = round((time.perf_counter() - started) * 1000, 2) if started else None
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": duration_ms},
        )
        return response
