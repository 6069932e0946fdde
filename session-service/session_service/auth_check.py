"""GET /auth, the gateway's identity check, answered in front of Flask when the answer is yes.

nginx's auth_request asks /auth on every signed-in API call. The check is one cookie signature,
one Redis GET and one HMAC, but as a Flask request it cost several times that: in the profile
(bench/README.md) the view was 3 % of /auth's CPU and Flask's request context, session
interface, hooks and response object most of the rest. So this plain WSGI callable answers the
common case, a signed-in session (and, for an unsafe method, the right CSRF token), itself. It
does the work with the same code as the view: the session interface's cookie check and read
(sessions.py), csrf.tokens_match and shop_common.identity; and it answers as Flask would: same
status, body and headers (X-Identity, X-Request-ID, X-Served-By), the metrics' route label and,
with LOG_FORMAT=json, the same request line.

Every other answer (401, 403, 503) stays Flask's, with its error shape, log lines and counts:
the request goes on to the app with the session already opened, so Redis is still asked once.

With tracing on (shop_common.tracing), TracedAuthCheck takes its place and puts every /auth in a
server span of the gateway's trace; with tracing off, this class runs exactly as before.
"""

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any, cast

from flask import Flask
from shop_common.identity import HEADER as IDENTITY_HEADER
from shop_common.identity import sign_identity
from shop_common.json_logs import ACCESS_LOGGER, REPLICA, log_format, trace_id_of
from shop_common.metrics import note_route
from shop_common.tracing import server_span, tracer_of
from shop_common.web import REQUEST_ID_HEADER, SERVED_BY_HEADER, request_id_for
from werkzeug.http import parse_cookie

from .csrf import HEADER as CSRF_HEADER
from .csrf import UNSAFE_METHODS, tokens_match
from .sessions import CSRF, OPENED_SESSION, USER, SignedRedisSessionInterface

PATH = "/auth"
ENDPOINT = "auth.check_auth"  # the Flask view that answers everything else
_METHODS = frozenset({"GET", "HEAD"})  # what the route allows, besides OPTIONS (Flask's answer)
CSRF_ENVIRON = "HTTP_" + CSRF_HEADER.upper().replace("-", "_")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def install(app: Flask) -> None:
    """Put the fast path in front of the app, inside the outage and metrics wrappers, which see it too."""
    tracer = tracer_of(app)
    check = AuthCheck(app, app.wsgi_app) if tracer is None else TracedAuthCheck(app, app.wsgi_app, tracer)
    app.wsgi_app = check  # type: ignore[method-assign]


class AuthCheck:
    """A WSGI middleware that answers a yes to GET /auth and passes every other request on."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.inner = inner
        self.sessions = cast(SignedRedisSessionInterface, app.session_interface)
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.secret = app.config["INTERNAL_SECRET"]
        self.rule = next(rule for rule in app.url_map.iter_rules() if rule.endpoint == ENDPOINT)
        self.request_lines = log_format() == "json"  # the line Flask's after_request hook would write
        self.access_log = logging.getLogger(ACCESS_LOGGER)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in _METHODS:
            return self.inner(environ, start_response)
        started = time.perf_counter()
        cookie = parse_cookie(environ).get(self.cookie_name)
        session = self.sessions.read_session(cookie, refresh=False, environ=environ)
        user = session.get(USER)
        method = environ.get("HTTP_X_ORIGINAL_METHOD", "GET").upper()
        sent_token = environ.get(CSRF_ENVIRON)
        if not user or (method in UNSAFE_METHODS and not tokens_match(session.get(CSRF), sent_token)):
            environ[OPENED_SESSION] = session
            return self.inner(environ, start_response)  # 401, 403 or 503: Flask's answer
        request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
        identity = sign_identity(self.secret, int(user["id"]), str(user["username"]))
        start_response(
            "200 OK",
            [
                (IDENTITY_HEADER, identity),
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", "0"),
                (REQUEST_ID_HEADER, request_id),
                (SERVED_BY_HEADER, REPLICA),
            ],
        )
        note_route(environ, self.rule)
        if self.request_lines:
            self._log_request(environ, request_id, user["id"], started)
        return [b""]

    def _log_request(self, environ: dict[str, Any], request_id: str, user_id: Any, started: float) -> None:
        method = environ["REQUEST_METHOD"]
        context = {
            "request_id": request_id,
            "trace_id": trace_id_of(environ.get("HTTP_TRACEPARENT", "")),
            "method": method,
            "route": self.rule.rule,
            "user_id": user_id,
            "status": 200,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        self.access_log.info("%s %s %s", method, PATH, 200, extra=context)


class TracedAuthCheck(AuthCheck):
    """AuthCheck with a server span around each /auth, whoever answers it: its Redis read is a child
    span, and a Flask answer's own span (401, 403, 503) nests inside."""

    def __init__(self, app: Flask, inner: WSGIApp, tracer: Any) -> None:
        super().__init__(app, inner)
        self.tracer = tracer

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") not in _METHODS:
            return self.inner(environ, start_response)
        with server_span(self.tracer, environ, self.rule.rule) as note_status:

            def start_and_note(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                note_status(int(status[:3]))
                return start_response(status, headers, exc_info)

            return super().__call__(environ, start_and_note)
