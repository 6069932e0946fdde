"""The identity assertion the gateway forwards from session-service to catalog-service.

Format: ``<payload>.<signature>``, both base64url without padding. The payload is
compact JSON ``{"uid": int, "usr": str, "exp": unix seconds}``; the signature is
HMAC-SHA256 of the encoded payload with INTERNAL_SECRET. A request that bypasses
the gateway cannot forge one without the secret, and a stolen one expires quickly.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

HEADER = "X-Identity"
DEFAULT_TTL_SECONDS = 30


@dataclass(frozen=True)
class Identity:
    user_id: int
    username: str
    expires_at: int


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode("ascii"), hashlib.sha256).digest()
    return _b64encode(digest)


def sign_identity(
    secret: str,
    user_id: int,
    username: str,
    ttl: int = DEFAULT_TTL_SECONDS,
    now: float | None = None,
) -> str:
    """Return a signed assertion that `user_id`/`username` is signed in, valid for `ttl` seconds."""
    issued = int(time.time() if now is None else now)
    body = json.dumps({"uid": user_id, "usr": username, "exp": issued + ttl}, separators=(",", ":"))
    payload = _b64encode(body.encode())
    return f"{payload}.{_signature(secret, payload)}"


def verify_identity(secret: str, token: str | None, now: float | None = None) -> Identity | None:
    """Return the identity in a valid, unexpired assertion, else None."""
    if not token or token.count(".") != 1 or len(token) > 1024:
        return None
    payload, signature = token.split(".")
    if not hmac.compare_digest(signature, _signature(secret, payload)):
        return None
    try:
        claims = json.loads(_b64decode(payload))
        identity = Identity(int(claims["uid"]), str(claims["usr"]), int(claims["exp"]))
    except (binascii.Error, ValueError, KeyError, TypeError):
        return None
    if identity.expires_at <= (time.time() if now is None else now):
        return None
    return identity
