"""Request plumbing both services share: request ids, log lines, JSON bodies, outages, replica names."""

import contextlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import InternalServerError

from .config import ServiceConfig
from .errors import INTERNAL_ERROR_MESSAGE, ApiError, error_response, register_error_handlers
from .json_logs import REPLICA, JsonFormatter, log_each_request, log_format, set_process_service
from .metrics import Dependency, count_dependency_error

REQUEST_ID_HEADER = "X-Request-ID"
# session-service sends INTERNAL_SECRET in it; catalog-service's /internal/ routes require it.
INTERNAL_SECRET_HEADER = "X-Internal-Secret"  # noqa: S105 - a header name, not a secret
# Keep a client's id only when it is short and plain, so it cannot inject into logs.
_WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
SERVED_BY_HEADER = "X-Served-By"  # which replica answered, for --scale tests


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request or app context
            record.request_id = "-"
        return True


def configure_logging(service: str, level: str = "INFO", fmt: str = "text") -> None:
    """Send every log line to stderr with the service name and the request id: text or JSON."""
    handler = logging.StreamHandler()
    if fmt == "json":
        set_process_service(service)
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.addFilter(_RequestIdFilter())
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s %(levelname)s {service} rid=%(request_id)s %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def new_app(import_name: str, service: str, config: ServiceConfig) -> Flask:
    """A Flask app with `config` and what every service has: log lines, request ids, JSON errors."""
    app = Flask(import_name, static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the serializers' order; sorting costs
    app.config.update(config.flask_config())
    fmt = log_format()
    configure_logging(service, config.log_level, fmt)
    init_request_plumbing(app)
    if fmt == "json":
        log_each_request(app)  # gunicorn's text access line is off in JSON mode (gunicorn_base)
    register_error_handlers(app)
    return app


def build_app(
    import_name: str, service: str, config: ServiceConfig, *steps: Callable[[Flask, Any], None]
) -> Flask:
    """How both services build their app: new_app's basics, then `step(app, config)` for each step in
    order (extensions, routes, outage handling, ...; metrics last, as they wrap the whole app)."""
    app = new_app(import_name, service, config)
    for step in steps:
        step(app, config)
    return app


def init_request_plumbing(app: Flask) -> None:
    """Give each request an id (kept from the gateway when well-formed) and echo it back."""

    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request_id_for(request.headers.get(REQUEST_ID_HEADER, ""))

    @app.after_request
    def tag_response(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        response.headers[SERVED_BY_HEADER] = REPLICA
        return response


def request_id_for(incoming: str) -> str:
    """The request's id: the caller's X-Request-ID when short and plain, else a new random one."""
    return incoming if _WELL_FORMED_ID.match(incoming) else uuid.uuid4().hex


def json_body() -> dict[str, Any]:
    """Return the request's JSON object, or raise 415/400 with a clear message."""
    if not request.is_json:
        raise ApiError(415, "Send the body as JSON with Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting
        data = None
    if data is None:
        raise ApiError(400, "The body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return data


def json_errors_outside_flask(
    app: Flask, unavailable: tuple[type[BaseException], ...], unavailable_message: str
) -> None:
    """Keep the JSON error shape for exceptions that escape Flask's own handlers.

    Flask tears the request down after the view has answered; an error there (a database
    connection found dead while it is released, say) reaches the WSGI server, which would
    send its own HTML 500. Errors in `unavailable` become 503 with `unavailable_message`.
    """
    inner = app.wsgi_app

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Flask starts its response before the teardown runs, so hold the start back until
        # the app has returned: then an error in the teardown can still choose the answer.
        started: list[Any] = []

        def start_later(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: start_response(*started)(data)

        try:
            body = inner(environ, start_later)
            start_response(*started)
            return body  # type: ignore[no-any-return]
        except Exception as error:  # noqa: BLE001 - the last line of defence
            logging.getLogger(__name__).exception("error outside the request handlers")
            status, code, message = (
                (503, "unavailable", unavailable_message)
                if isinstance(error, unavailable)
                else (500, "internal_error", INTERNAL_ERROR_MESSAGE)
            )
            request_id = request_id_for(environ.get("HTTP_X_REQUEST_ID", ""))
            error_body = {"code": code, "message": message, "request_id": request_id}
            payload = json.dumps({"error": error_body}).encode()
            headers = [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(payload))),
                (REQUEST_ID_HEADER, request_id),
            ]
            reason = "Service Unavailable" if status == 503 else "Internal Server Error"
            start_response(f"{status} {reason}", headers)
            return [payload]

    app.wsgi_app = guarded  # type: ignore[method-assign]


def register_outage_handlers(
    app: Flask,
    unavailable: tuple[type[Exception], ...],
    message: str,
    *,
    dependency: Dependency,
    after_response: tuple[type[Exception], ...] = (),
    release: Callable[[], None] | None = None,
) -> None:
    """Answer 503 with `message`, which a client may retry, when a backing store is unreachable.

    `unavailable` are the exceptions that mean an outage (PostgreSQL or Redis away, a pool
    exhausted); they become 503 wherever they are raised: in a view, after it (saving the
    session: Flask wraps those in a 500), or in the request teardown, outside Flask, where
    `after_response` widens the set. `release` frees what the failed request holds. Each is
    counted as an error of `dependency` (shop_dependency_errors_total).
    """

    def answer_unavailable(error: Exception) -> Response:
        cause = getattr(error, "orig", None) or error  # SQLAlchemy wraps the driver's error
        logging.getLogger(app.import_name).warning("backing store unavailable: %s", type(cause).__name__)
        count_dependency_error(dependency)
        if release is not None:
            with contextlib.suppress(Exception):  # the connection is already gone; just let go of it
                release()
        return error_response(503, message)

    for error_type in unavailable:
        app.register_error_handler(error_type, answer_unavailable)

    @app.errorhandler(InternalServerError)
    def answer_internal_error(error: InternalServerError) -> Response:
        if isinstance(error.original_exception, unavailable):
            return answer_unavailable(error.original_exception)
        return error_response(500, INTERNAL_ERROR_MESSAGE)

    json_errors_outside_flask(app, unavailable + after_response, message)
