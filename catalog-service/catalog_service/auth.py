"""Who is signed in: only a valid X-Identity assertion from the gateway counts."""

from flask import current_app, request
from shop_common.errors import ApiError
from shop_common.identity import HEADER, Identity, verify_identity

from .queries import username_of


def current_user() -> Identity:
    """Return the signed-in user, or answer 401 when the assertion is missing, invalid or stale."""
    identity = verify_identity(current_app.config["INTERNAL_SECRET"], request.headers.get(HEADER))
    if identity is None:
        raise ApiError(401, "Sign in first.")
    username = username_of(identity.user_id) if identity.user_id <= 2**31 - 1 else None
    # A deleted (or re-created) account invalidates assertions issued for it.
    if username is None or username != identity.username:
        raise ApiError(401, "Your account no longer exists; sign in again.")
    return identity
