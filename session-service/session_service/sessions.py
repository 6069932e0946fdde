"""Server-side sessions in Redis behind a signed, id-only cookie.

The cookie holds ``<sid>.<hmac>``; a cookie whose signature does not verify is
treated as absent before Redis is asked. Each session stores its creation (or
login) time, and its Redis TTL is ``min(idle timeout, absolute deadline - now)``.

Logout must be final even while other requests holding the same cookie are in
flight, so a request never writes back a session it merely loaded: unchanged
sessions are refreshed as they are read, with GETEX (EXPIRE when the absolute
deadline caps the TTL; both are no-ops on a deleted key), and changed ones
with ``SET ... XX`` (only if the key still exists). Only a brand-new session id
is created, with ``SET ... NX``.

What this takes from Flask-Session goes through flask_session_adapter.py.
"""

import hashlib
import json
import logging
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any, cast

import redis
from flask import Flask, Request, Response, current_app, request, session
from itsdangerous import BadSignature, Signer

from .flask_session_adapter import AdaptedSession, RedisSessionAdapter

log = logging.getLogger(__name__)

COOKIE_NAME = "sid"
KEY_PREFIX = "sess:"
CREATED = "created"  # unix seconds of creation or login; the absolute lifetime counts from it
CSRF = "csrf"
USER = "user"
LOGIN_AT = "login_at"
DATA = "data"  # visitor data lives in its own dict so it cannot clobber the keys above

# open_session runs before routing and before the request id exists, so it leaves notes in the environ
UNAVAILABLE_FLAG = "session_service.redis_unavailable"
BAD_COOKIE_FLAG = "session_service.bad_cookie"
OPENED_SESSION = "session_service.opened_session"  # auth_check.py hands its session on to Flask
REDIS_UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
_SID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)


class StoreSession(AdaptedSession):
    """A session plus what the interface needs to save it safely."""

    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None) -> None:
        super().__init__(initial, sid=sid)
        self.is_new = True  # no Redis key yet: created with SET NX and sent as a cookie
        self.read_only = False  # /auth: never written or refreshed
        self.unavailable = False  # Redis could not be reached while opening or saving
        self.destroyed = False  # logged out: key deleted, cookie expired, nothing written
        self.refreshed = False  # read with GETEX: the idle TTL is already reset


class SignedRedisSessionInterface(RedisSessionAdapter):
    """Flask-Session's Redis interface with a signed sid, idle + absolute expiry and no resurrection."""

    session_class = StoreSession

    def __init__(
        self,
        app: Flask,
        client: redis.Redis,
        secret_key: str,
        idle_timeout: int,
        absolute_lifetime: int,
    ) -> None:
        super().__init__(app, client, KEY_PREFIX)
        self.signer = Signer(
            secret_key, salt="session-id", key_derivation="hmac", digest_method=hashlib.sha256
        )
        self.idle_timeout = idle_timeout
        self.absolute_lifetime = absolute_lifetime
        self.read_only_paths = {"/auth"}  # the gateway's auth_request target: one GET, no write

    # -- cookie value -----------------------------------------------------------------------

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured so, and whenever the request came over HTTPS (see secure_cookies)."""
        return secure_cookies()

    def sign_sid(self, sid: str) -> str:
        """Return the cookie value for a session id."""
        return self.signer.sign(sid).decode("ascii")

    def unsign_sid(self, value: str) -> str | None:
        """Return the sid in a cookie value, or None when it is forged, mangled or malformed."""
        if len(value) > 200:
            return None
        try:
            sid = self.signer.unsign(value).decode("ascii")
        except (BadSignature, UnicodeError):
            return None
        return sid if _SID.fullmatch(sid) else None

    # -- expiry -------------------------------------------------------------------------------

    def ttl_for(self, session: StoreSession, now: float | None = None) -> int:
        """Seconds the session may live from now: the idle timeout, capped by the absolute deadline."""
        now = time.time() if now is None else now
        created = float(session.get(CREATED, now))
        return int(min(self.idle_timeout, created + self.absolute_lifetime - now))

    def deadline(self, session: StoreSession) -> datetime:
        """The moment the absolute lifetime ends, used as the cookie's Expires."""
        return datetime.fromtimestamp(float(session[CREATED]) + self.absolute_lifetime, tz=UTC)

    # -- lifecycle helpers for views ----------------------------------------------------------

    def fresh(self) -> StoreSession:
        """Return an empty, not yet stored session with a new id."""
        return self.session_class(sid=self.new_sid())

    def start(self, session: StoreSession) -> None:
        """Turn `session` into a brand-new one: old key deleted, new id, new creation time and CSRF token."""
        if not session.is_new:
            self.client.delete(self.key_for(session.sid))
        session.clear()
        session.pop("_permanent", None)
        session.sid = self.new_sid()
        session.is_new = True
        session[CREATED] = int(time.time())
        session[CSRF] = secrets.token_urlsafe(32)

    def destroy(self, session: StoreSession) -> None:
        """Delete the session now; the response expires the cookie and writes nothing."""
        if not session.is_new:
            self.client.delete(self.key_for(session.sid))
        session.destroyed = True

    # -- Flask-Session overrides ------------------------------------------------------------

    def open_session(self, app: Flask, request: Request) -> StoreSession:
        opened = request.environ.pop(OPENED_SESSION, None)
        if opened is not None:
            return opened  # read before Flask by the /auth fast path: Redis is asked once
        # Activity refreshes the idle TTL in the same round trip as the read (GETEX); /auth
        # reads only (GET), so gateway checks never extend a session.
        refresh = request.path not in self.read_only_paths
        return self.read_session(request.cookies.get(self.get_cookie_name(app)), refresh, request.environ)

    def read_session(self, value: str | None, refresh: bool, environ: dict[str, Any]) -> StoreSession:
        """The stored session a cookie value names, else a fresh one; problems are noted in `environ`."""
        if not value:
            return self.fresh()
        sid = self.unsign_sid(value)
        if sid is None:
            environ[BAD_COOKIE_FLAG] = True  # logged once the request id is known
            return self.fresh()
        try:
            data = self.read_record(self.key_for(sid), refresh)
        except REDIS_UNAVAILABLE as error:
            environ[UNAVAILABLE_FLAG] = str(error)  # acted on after routing, by a before_request hook
            session = self.fresh()
            session.unavailable = True
            return session
        if data is None:
            return self.fresh()
        session = self.session_class(data, sid=sid)
        session.is_new = False
        session.refreshed = refresh
        if self.ttl_for(session) <= 0:  # past the absolute deadline; Redis drops it about now anyway
            return self.fresh()
        return session

    def save_session(self, app: Flask, session: StoreSession, response: Response) -> None:  # type: ignore[override]
        if session.unavailable or session.read_only:
            return
        if session.accessed:
            response.vary.add("Cookie")
        try:
            self._save(app, session, response)
        except REDIS_UNAVAILABLE:
            session.unavailable = True  # Flask retries saving while handling the error; don't wait twice
            raise

    def _save(self, app: Flask, session: StoreSession, response: Response) -> None:
        key = self.key_for(session.sid)
        if session.destroyed:
            self._expire_cookie(app, response)
            return
        if session.is_new and not session.modified:
            return  # an anonymous visitor who stored nothing: no key, no cookie
        if session.is_new:
            session.setdefault(CREATED, int(time.time()))
            session.setdefault(CSRF, secrets.token_urlsafe(32))  # every stored session has one token
        ttl = self.ttl_for(session)
        if ttl <= 0:
            self.client.delete(key)
            self._expire_cookie(app, response)
            return
        if session.is_new:
            self.client.set(key, self._encode(session), ex=ttl, nx=True)
            self._set_cookie(app, session, response)
        elif session.modified:
            # XX: if logout (or a login elsewhere) deleted the key meanwhile, stay deleted
            if not self.client.set(key, self._encode(session), ex=ttl, xx=True):
                log.info("session ended while this request ran; its changes were dropped")
        elif not session.refreshed or ttl < self.idle_timeout:
            self.client.expire(key, ttl)  # EXPIRE on a deleted key is a no-op

    def read_record(self, key: str, refresh: bool) -> dict[str, Any] | None:
        """The stored session under `key`, or None; `refresh` resets the idle TTL in the same round trip."""
        raw = self.client.getex(key, ex=self.idle_timeout) if refresh else self.client.get(key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:  # json only: never fall back to Flask-Session's pickle decoder
            log.warning("discarding an unreadable session record")
            return None
        return data if isinstance(data, dict) else None

    def _encode(self, session: StoreSession) -> str:
        return json.dumps(dict(session), separators=(",", ":"))

    def _set_cookie(self, app: Flask, session: StoreSession, response: Response) -> None:
        response.set_cookie(
            self.get_cookie_name(app),
            self.sign_sid(session.sid),
            expires=self.deadline(session),
            path=self.get_cookie_path(app),
            domain=None,  # host-only
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite="Lax",
        )
        response.vary.add("Cookie")

    def _expire_cookie(self, app: Flask, response: Response) -> None:
        # Same attributes as when set, so browsers honour the deletion
        response.delete_cookie(
            self.get_cookie_name(app),
            path=self.get_cookie_path(app),
            domain=None,
            secure=self.get_cookie_secure(app),
            httponly=True,
            samesite="Lax",
        )
        response.vary.add("Cookie")


def secure_cookies() -> bool:
    """Whether this response's cookies get the Secure attribute: SESSION_COOKIE_SECURE, or HTTPS.

    request.is_secure is gunicorn's wsgi.url_scheme, https when a peer it trusts (forwarded_allow_ips)
    says X-Forwarded-Proto: https. The gateway sets that header on every request from the scheme the
    browser used and drops a client's own, so a browser cannot choose it."""
    return bool(current_app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def login_time_now() -> str:
    """The login time as ISO-8601 UTC, e.g. 2026-11-24T18:56:21Z."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def interface() -> SignedRedisSessionInterface:
    """The app's session interface, typed."""
    return cast(SignedRedisSessionInterface, current_app.session_interface)


def current() -> StoreSession:
    """The request's session, typed."""
    return cast(StoreSession, session._get_current_object())  # type: ignore[attr-defined]
