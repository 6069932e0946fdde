"""Service-to-service calls; the gateway never exposes /internal/."""

import hmac

from flask import Blueprint, current_app, request
from shop_common.errors import ApiError
from shop_common.web import INTERNAL_SECRET_HEADER, json_body

from .. import crud
from ..passwords import hash_password, needs_rehash, verify_password
from ..validation import not_utf8, unstorable

bp = Blueprint("internal", __name__, url_prefix="/internal")

BAD_CREDENTIALS = "Wrong username or password."


@bp.before_request
def require_internal_secret() -> None:
    supplied = request.headers.get(INTERNAL_SECRET_HEADER, "")
    expected = current_app.config["INTERNAL_SECRET"]
    if not hmac.compare_digest(supplied.encode(), expected.encode()):
        raise ApiError(403, "This endpoint is for other services only.")


@bp.post("/credentials/verify")
def verify_credentials():
    """Check a username and password for session-service; same answer and time for both failures."""
    data = json_body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise ApiError(
            422,
            "Some fields are invalid.",
            fields={
                k: f"{k.capitalize()} must be a string."
                for k in ("username", "password")
                if not isinstance(data.get(k), str)
            },
        )
    # No stored name is longer or holds text PostgreSQL refuses (NUL, lone surrogates), and no
    # password was registered without a UTF-8 form: skip the lookup, still spend the hashing time.
    hopeless = len(username) > 32 or unstorable(username) or not_utf8(password)
    user = None if hopeless else crud.user_by_name(username=username)
    password_ok = verify_password(user.password_hash if user else None, "" if hopeless else password)
    if user is None or not password_ok:
        raise ApiError(401, BAD_CREDENTIALS, code="invalid_credentials")
    if needs_rehash(user.password_hash):
        crud.set_password_hash(user_id=user.id, password_hash=hash_password(password))
    return {"id": user.id, "username": user.username}
