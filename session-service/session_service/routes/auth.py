"""Sign-in, sign-out, the current user, CSRF tokens and the gateway's auth_request check."""

import logging
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request
from shop_common.errors import ApiError
from shop_common.identity import HEADER as IDENTITY_HEADER
from shop_common.identity import sign_identity
from shop_common.web import json_body

from .. import sessions
from ..csrf import HEADER as CSRF_HEADER
from ..csrf import UNSAFE_METHODS, csrf_protected, require_login_headers, token_matches
from ..sessions import CSRF, DATA, LOGIN_AT, USER

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

REMEMBER_COOKIE = "remembered_username"
REMEMBER_MAX_AGE = 30 * 24 * 3600


@bp.post("/login")
def login() -> Response:
    """Check credentials with catalog-service and start a new signed-in session."""
    require_login_headers()
    username, password, remember = _login_fields(json_body())
    user = current_app.extensions["catalog"].verify_credentials(username, password)
    session = sessions.current()
    carried = session.get(DATA)  # the visitor's data (e.g. recent_goods) survives sign-in; the id does not
    sessions.interface().start(session)  # new sid, creation time and CSRF token: no fixation
    session[USER] = {"id": user.id, "username": user.username}
    g.user_id = user.id  # for the JSON log lines (shop_common.json_logs)
    session[LOGIN_AT] = sessions.login_time_now()
    if isinstance(carried, dict) and carried:
        session[DATA] = carried
    log.info("user %s signed in", user.id)
    response = jsonify({"user": session[USER], "csrf_token": session[CSRF]})
    if remember:
        # remember=false leaves an existing cookie alone; DELETE /remembered removes it
        response.set_cookie(
            REMEMBER_COOKIE,
            user.username,
            max_age=REMEMBER_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=sessions.secure_cookies(),
        )
    return response


@bp.post("/logout")
def logout() -> tuple[str, int]:
    """End the session for good: delete it in Redis and expire the cookie."""
    session = sessions.current()
    if not session.is_new:
        _check_csrf_for_logout()
    sessions.interface().destroy(session)
    return "", 204


@bp.get("/me")
def get_me() -> dict[str, Any]:
    """Return the signed-in user, the login time and the CSRF token."""
    session = sessions.current()
    user = session.get(USER)
    if not user:
        raise ApiError(401, "Nobody is signed in.")
    return {"user": user, "login_at": session.get(LOGIN_AT), "csrf_token": session.get(CSRF)}


@bp.get("/visitor")
def get_visitor() -> dict[str, Any]:
    """Return the signed-in user or null, and the session's CSRF token or null; 200 either way.

    A browser logs every 401 as a console error, so the UI asks here rather than /me. No session
    is created: a visitor who never writes costs no Redis key.
    """
    session = sessions.current()
    return {"user": session.get(USER), "login_at": session.get(LOGIN_AT), "csrf_token": session.get(CSRF)}


@bp.get("/csrf")
def get_csrf() -> dict[str, str]:
    """Return the session's CSRF token, creating an anonymous session when there is none."""
    session = sessions.current()
    token = session.get(CSRF)
    if not token:
        sessions.interface().start(session)
        token = session[CSRF]
    return {"csrf_token": token}


@bp.get("/auth")
def check_auth() -> tuple[str, int, dict[str, str]]:
    """For nginx auth_request: assert the signed-in identity, checking CSRF on unsafe methods."""
    session = sessions.current()
    session.read_only = True  # called on every API request: one GET, never a write or refresh
    user = session.get(USER)
    if not user:
        raise ApiError(401, "Nobody is signed in.")
    g.user_id = user["id"]
    method = request.headers.get("X-Original-Method", "GET").upper()
    if method in UNSAFE_METHODS and not token_matches(request.headers.get(CSRF_HEADER)):
        raise ApiError(403, "Missing or wrong X-CSRF-Token.", code="csrf_failed")
    secret = current_app.config["INTERNAL_SECRET"]
    return "", 200, {IDENTITY_HEADER: sign_identity(secret, int(user["id"]), str(user["username"]))}


@csrf_protected
def _check_csrf_for_logout() -> None:
    """Logout of an existing session needs its token, so another site cannot sign the user out."""


def _login_fields(body: dict[str, Any]) -> tuple[str, str, bool]:
    fields: dict[str, str] = {}
    username, password, remember = body.get("username"), body.get("password"), body.get("remember", False)
    if not isinstance(username, str) or not username.strip():
        fields["username"] = "Required, a non-empty string."
    elif len(username) > 150:
        fields["username"] = "At most 150 characters."
    if not isinstance(password, str) or not password:
        fields["password"] = "Required, a non-empty string."  # noqa: S105 - a message
    elif len(password) > 1024:
        fields["password"] = "At most 1024 characters."  # noqa: S105 - a message
    if not isinstance(remember, bool):
        fields["remember"] = "Must be true or false."
    if fields:
        raise ApiError(422, "The login request is invalid.", fields=fields)
    return str(username), str(password), bool(remember)
