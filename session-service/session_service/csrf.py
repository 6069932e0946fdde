"""CSRF checks: the synchronizer token for signed-in or anonymous sessions, a custom header for login."""

import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import request, session
from shop_common.errors import ApiError

from .sessions import CSRF

HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

F = TypeVar("F", bound=Callable[..., Any])


def token_matches(sent: str | None) -> bool:
    """True when `sent` equals the current session's token (constant-time)."""
    return tokens_match(session.get(CSRF), sent)


def tokens_match(expected: Any, sent: str | None) -> bool:
    """True when `sent` equals the session's token `expected` (constant-time)."""
    if not isinstance(expected, str) or not expected or not sent:
        return False
    return hmac.compare_digest(sent.encode(), expected.encode())


def csrf_protected(view: F) -> F:
    """Reject the request with 403 unless it carries the session's token in X-CSRF-Token."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not token_matches(request.headers.get(HEADER)):
            raise ApiError(403, "Missing or wrong X-CSRF-Token; get one from GET /csrf.", code="csrf_failed")
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def require_login_headers() -> None:
    """Login has no session token yet: demand a same-origin XHR marker and a JSON body instead."""
    if request.headers.get("X-Requested-With") != "XMLHttpRequest":
        raise ApiError(403, "Login needs the header X-Requested-With: XMLHttpRequest.", code="csrf_failed")
    if not request.is_json:
        raise ApiError(403, "Login needs a JSON body (Content-Type: application/json).", code="csrf_failed")
