"""LOG_FORMAT=json: one JSON object per line, with the request's context, and one line per request."""

import io
import json
import logging

import pytest
from flask import Flask, g
from shop_common import json_logs
from shop_common.errors import ApiError, register_error_handlers
from shop_common.web import configure_logging, init_request_plumbing

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT = f"00-{TRACE_ID}-00f067aa0ba902b7-01"


@pytest.fixture
def lines():
    """Log lines written while the test runs, as parsed JSON objects."""
    stream = io.StringIO()
    configure_logging("test-service", "INFO", "json")
    logging.getLogger().handlers[0].setStream(stream)  # type: ignore[attr-defined]
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    configure_logging("test-service", "INFO")  # back to text for the other tests


@pytest.fixture
def client():
    app = Flask(__name__)
    register_error_handlers(app)
    init_request_plumbing(app)
    json_logs.log_each_request(app)

    @app.get("/goods/<int:good_id>")
    def get_good(good_id: int) -> dict[str, int]:
        g.user_id = 7
        logging.getLogger("test.view").info("looked at good %s", good_id)
        return {"id": good_id}

    @app.post("/login")
    def login() -> None:
        raise ApiError(401, "Wrong username or password.")

    @app.get("/broken")
    def broken() -> None:
        raise RuntimeError("a bug")

    return app.test_client()


def test_each_line_is_one_object_with_the_request_context(client, lines):
    client.get("/goods/3", headers={"X-Request-ID": "req-1234567890", "traceparent": TRACEPARENT})

    view_line, request_line = lines()
    for line in (view_line, request_line):
        assert line["service"] == "test-service"
        assert line["replica"] == json_logs.REPLICA
        assert line["request_id"] == "req-1234567890"
        assert line["trace_id"] == TRACE_ID
        assert line["method"] == "GET"
        assert line["route"] == "/goods/<int:good_id>"
        assert line["user_id"] == 7
        assert line["time"].endswith("+00:00")
    assert view_line["level"] == "INFO"
    assert view_line["message"] == "looked at good 3"
    assert request_line["logger"] == json_logs.ACCESS_LOGGER
    assert request_line["status"] == 200
    assert 0 <= request_line["duration_ms"] < 5000


def test_refusals_and_unknown_routes_get_a_line_too(client, lines):
    client.post("/login", json={"username": "alice", "password": "hunter2-secret"})
    client.get("/nowhere", headers={"traceparent": "00-" + "0" * 32 + "-00f067aa0ba902b7-01"})

    login_line, nowhere_line = lines()
    assert (login_line["route"], login_line["status"], login_line["user_id"]) == ("/login", 401, None)
    assert (nowhere_line["route"], nowhere_line["status"], nowhere_line["trace_id"]) == (None, 404, None)
    assert len(login_line["request_id"]) == 32  # generated when the caller sent none


def test_an_error_carries_its_traceback_in_one_line(client, lines):
    assert client.get("/broken").status_code == 500

    error_line = next(line for line in lines() if line["level"] == "ERROR")
    assert "RuntimeError: a bug" in error_line["error"]
    assert error_line["route"] == "/broken"


def test_lines_outside_a_request_have_no_request_fields(lines):
    logging.getLogger("startup").warning("starting")

    (line,) = lines()
    assert line["message"] == "starting"
    assert "request_id" not in line and "route" not in line


@pytest.mark.parametrize(
    ("value", "expected"), [("", "text"), ("text", "text"), ("json", "json"), (" JSON ", "json")]
)
def test_log_format_is_text_or_json(monkeypatch, value, expected):
    monkeypatch.setenv("LOG_FORMAT", value)
    assert json_logs.log_format() == expected


def test_another_log_format_stops_start_up(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(SystemExit, match="LOG_FORMAT must be text or json"):
        json_logs.log_format()
