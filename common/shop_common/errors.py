"""One JSON error shape for every service: {"error": {"code", "message", "request_id"[, "fields"]}}."""

import logging
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
INTERNAL_ERROR_MESSAGE = "Something went wrong on our side; the request id helps us find it."

# Stable machine-readable codes; clients branch on these, people read the message.
CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


class ApiError(Exception):
    """Raise from a view to answer with a JSON error; one handler turns it into a response."""

    def __init__(
        self,
        status: int,
        message: str,
        code: str | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.fields = fields


def error_response(
    status: int, message: str, code: str | None = None, fields: dict[str, str] | None = None
) -> Response:
    """Build the one error shape; used by the handlers and by code that answers without raising."""
    body: dict[str, Any] = {
        "code": code or CODES.get(status, "error"),
        "message": message,
        "request_id": g.get("request_id"),
    }
    if fields:
        body["fields"] = fields
    response = jsonify(error=body)
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """Answer every error, Werkzeug's and unexpected ones included, as JSON in the one shape."""

    @app.errorhandler(ApiError)
    def handle_api_error(error: ApiError) -> Response:
        return error_response(error.status, error.message, error.code, error.fields)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Response:
        status = error.code or 500
        response = error_response(status, _message_for(error))
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, INTERNAL_ERROR_MESSAGE)


def _message_for(error: HTTPException) -> str:
    messages = {
        404: f"No route for {request.method} {request.path}.",
        405: f"{request.method} is not allowed on {request.path}.",
        413: "The request body is too large.",
    }
    return messages.get(error.code or 500, error.description or "Request failed.")
