"""Every use of Flask-Session's internals, in one place, for the version requirements.txt pins.

sessions.py builds its policy (signed ids, idle + absolute expiry, no resurrection after logout)
on Flask-Session's Redis interface, and needs a few of its private hooks: how a session id is
made, which Redis key holds it, how a record is read. Any release may change those, so they are
reached only through the public names below, and tests/test_flask_session_adapter.py checks that
each still exists with the signature and behaviour relied on here.
"""

from typing import Any

import redis
from flask import Flask
from flask_session.redis import RedisSession, RedisSessionInterface

FLASK_SESSION_VERSION = "0.8.0"  # the version this adapter was written for and tested with


class AdaptedSession(RedisSession):
    """Flask-Session's server-side session: a dict that tracks `modified` and `accessed`, plus `sid`."""


class RedisSessionAdapter(RedisSessionInterface):
    """Flask-Session's Redis session interface, with the private hooks sessions.py uses made public."""

    session_class = AdaptedSession

    def __init__(self, app: Flask, client: redis.Redis, key_prefix: str) -> None:
        # JSON records, never Flask-Session's pickle fallback; readable with redis-cli too.
        super().__init__(app, client=client, key_prefix=key_prefix, serialization_format="json")

    def new_sid(self) -> str:
        """A new random session id: secrets.token_urlsafe of `sid_length` (32) bytes."""
        return self._generate_sid(self.sid_length)

    def key_for(self, sid: str) -> str:
        """The Redis key that holds session `sid`: the key prefix and the id."""
        return self._get_store_id(sid)

    def read_record(self, key: str, refresh: bool) -> dict[str, Any] | None:
        """The stored session under `key`, or None; `refresh` also resets its idle TTL."""
        raise NotImplementedError  # sessions.py decides how a record is read and decoded

    def _retrieve_session_data(self, store_id: str) -> dict[str, Any] | None:
        # Flask-Session's own read path (its open_session), should anything reach it: the same
        # decoding as ours, so no record is ever unpickled.
        return self.read_record(store_id, refresh=False)
