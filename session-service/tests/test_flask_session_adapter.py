"""What flask_session_adapter.py takes from Flask-Session is still there and still behaves.

The adapter reaches into Flask-Session's private hooks. A Flask-Session upgrade that renames one,
changes its parameters or what it does fails here, by name, before it breaks sessions quietly.
"""

import inspect
import re
from pathlib import Path

import pytest
import redis
from flask import Flask
from flask_session.base import ServerSideSession, ServerSideSessionInterface
from flask_session.redis import RedisSession, RedisSessionInterface
from session_service.flask_session_adapter import (
    FLASK_SESSION_VERSION,
    AdaptedSession,
    RedisSessionAdapter,
)

REQUIREMENTS = Path(__file__).resolve().parents[1] / "requirements.txt"


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


class Recording(RedisSessionAdapter):
    """The adapter with a record store that needs no Redis: it remembers what it was asked."""

    def __init__(self) -> None:
        super().__init__(Flask(__name__), redis.Redis(), "sess:")  # no connection until a command
        self.asked: list[tuple[str, bool]] = []

    def read_record(self, key, refresh):
        self.asked.append((key, refresh))
        return {"user": "alice"}


def test_requirements_pin_the_version_the_adapter_was_written_for():
    pins = re.findall(r"^Flask-Session==(\S+)", REQUIREMENTS.read_text(), flags=re.MULTILINE)
    assert pins == [FLASK_SESSION_VERSION]


@pytest.mark.parametrize(
    ("hook", "expected"),
    [
        (RedisSessionInterface.__init__, ["self", "app", "client", "key_prefix"]),
        (ServerSideSessionInterface._generate_sid, ["self", "session_id_length"]),
        (ServerSideSessionInterface._get_store_id, ["self", "sid"]),
        (RedisSessionInterface._retrieve_session_data, ["self", "store_id"]),
        (RedisSession.__init__, ["self", "initial", "sid"]),
    ],
    ids=lambda value: getattr(value, "__qualname__", ""),
)
def test_the_private_hooks_keep_their_parameters(hook, expected):
    assert parameters(hook)[: len(expected)] == expected


def test_the_interface_still_takes_json_serialization():
    assert "serialization_format" in parameters(RedisSessionInterface.__init__)


def test_the_adapter_overrides_the_hook_flask_session_reads_through():
    # An override of a name the base no longer has would silently never run.
    assert "_retrieve_session_data" in vars(RedisSessionInterface)
    assert parameters(RedisSessionAdapter._retrieve_session_data) == parameters(
        RedisSessionInterface._retrieve_session_data
    )


def test_client_key_prefix_and_sid_length_are_kept_as_attributes():
    client = redis.Redis()
    adapter = RedisSessionAdapter(Flask(__name__), client, "sess:")
    assert adapter.client is client
    assert adapter.key_for("abc") == "sess:abc"
    assert adapter.sid_length == 32


def test_new_session_ids_are_43_url_safe_characters_and_random():
    adapter = RedisSessionAdapter(Flask(__name__), redis.Redis(), "sess:")
    first, second = adapter.new_sid(), adapter.new_sid()
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", first)  # what sessions.py accepts in a cookie
    assert first != second


def test_flask_session_own_open_session_reads_through_the_adapter():
    adapter = Recording()
    request = adapter.app.test_request_context(headers={"Cookie": "session=some-sid"}).request
    session = RedisSessionInterface.open_session(adapter, adapter.app, request)
    assert adapter.asked == [("sess:some-sid", False)]
    assert dict(session) == {"user": "alice"}


def test_the_session_tracks_changes_and_reads_as_sessions_py_expects():
    assert issubclass(AdaptedSession, ServerSideSession)
    session = AdaptedSession({"user": "alice"}, sid="abc")
    assert (session.sid, session.modified, session.accessed) == ("abc", False, False)
    session.get("user")
    assert (session.modified, session.accessed) == (False, True)
    session["csrf"] = "token"
    assert session.modified
    session.clear()
    session.pop("_permanent", None)  # clear() keeps this one key; sessions.start() drops it
    assert dict(session) == {}
