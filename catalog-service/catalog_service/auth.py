"""Who is signed in: only a valid X-Identity assertion from the gateway counts.

`signed_in` checks the assertion (an HMAC, no database); the account behind it must still exist
under that name, which `require_account` checks with a query. The hot routes fold that check
into their own statement (`crud.ACCOUNT_MATCHES`) and call `require_account` only when the
statement found nothing, to tell a stale identity (401) from an empty result.
"""

from flask import current_app, g, request
from shop_common.errors import ApiError
from shop_common.identity import HEADER, Identity, verify_identity

from . import crud
from .validation import MAX_ID


def signed_in() -> Identity:
    """Return the asserted identity, or answer 401 when the assertion is missing, invalid or stale."""
    identity = verify_identity(current_app.config["INTERNAL_SECRET"], request.headers.get(HEADER))
    if identity is None:
        raise ApiError(401, "Sign in first.")
    if not 1 <= identity.user_id <= MAX_ID:  # no such row can exist
        raise ApiError(401, "Your account no longer exists; sign in again.")
    g.user_id = identity.user_id  # for the JSON log lines (shop_common.json_logs)
    return identity


def require_account(identity: Identity) -> None:
    """Answer 401 when the account was deleted (or re-created) since the assertion was issued."""
    if crud.username_of(user_id=identity.user_id) != identity.username:
        raise ApiError(401, "Your account no longer exists; sign in again.")


def current_user() -> Identity:
    """Return the signed-in user, checking both the assertion and the account."""
    identity = signed_in()
    require_account(identity)
    return identity
