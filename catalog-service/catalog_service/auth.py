"""Who is signed in: only a valid X-Identity assertion from the gateway counts."""

from flask import current_app, request
from shop_common.errors import ApiError
from shop_common.identity import HEADER, verify_identity

from .extensions import db
from .models import User


def current_user() -> User:
    """Return the signed-in user, or answer 401 when the assertion is missing, invalid or stale."""
    identity = verify_identity(current_app.config["INTERNAL_SECRET"], request.headers.get(HEADER))
    if identity is None:
        raise ApiError(401, "Sign in first.")
    user = db.session.get(User, identity.user_id) if identity.user_id <= 2**31 - 1 else None
    # A deleted (or re-created) account invalidates assertions issued for it.
    if user is None or user.username != identity.username:
        raise ApiError(401, "Your account no longer exists; sign in again.")
    return user
