"""Log lines carry the request id and never passwords, cookies or tokens."""

import io
import json
import logging

from session_helpers import XHR, csrf, login, make_config, sid_cookie
from session_service import create_app
from shop_common.web import configure_logging


def test_logs_have_request_ids_and_no_secrets(redis_url, redis_client, catalog):
    app = create_app(make_config(redis_url, log_level="DEBUG"))
    configure_logging("session-service", "DEBUG")
    stream = io.StringIO()
    root = logging.getLogger()
    root.handlers[0].setStream(stream)
    client = app.test_client()

    client.post("/login", json={"username": "alice", "password": "wrong-pw-123"}, headers=XHR)
    token = login(client).get_json()["csrf_token"]
    client.put("/data/k", json={"value": 1}, headers=csrf(token))
    client.get("/me", headers={"X-Request-ID": "trace-me-42"})
    cookie = sid_cookie(client)
    stranger = app.test_client()
    stranger.set_cookie("sid", "forged.value")
    assert stranger.get("/me").status_code == 401
    client.post("/logout", headers=csrf(token))
    text = stream.getvalue()

    assert "signed in" in text  # something was logged
    assert "ignored a session cookie" in text
    for line in text.splitlines():
        assert "rid=" in line and "rid=-" not in line
    for secret in ("wrong-pw-123", "alice-pw", token, cookie, cookie.split(".")[0]):
        assert secret not in text


def test_json_logs_have_the_request_context_and_no_secrets(redis_url, redis_client, catalog, monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "json")
    app = create_app(make_config(redis_url, log_level="DEBUG"))
    stream = io.StringIO()
    logging.getLogger().handlers[0].setStream(stream)
    client = app.test_client()

    client.post("/login", json={"username": "alice", "password": "wrong-pw-123"}, headers=XHR)
    token = login(client).get_json()["csrf_token"]
    client.put("/data/k", json={"value": 1}, headers=csrf(token))
    assertion = client.get("/auth", headers={"X-Original-Method": "PUT", **csrf(token)}).headers["X-Identity"]
    client.get("/me", headers={"X-Request-ID": "trace-me-42"})
    cookie = sid_cookie(client)
    client.post("/logout", headers=csrf(token))
    configure_logging("session-service", "DEBUG")  # text again for the other tests
    text = stream.getvalue()

    lines = [json.loads(line) for line in text.splitlines()]  # every line is one JSON object
    requests = [line for line in lines if "status" in line]
    assert [(line["method"], line["route"], line["status"]) for line in requests] == [
        ("POST", "/login", 401),
        ("POST", "/login", 200),
        ("PUT", "/data/<key>", 200),
        ("GET", "/auth", 200),
        ("GET", "/me", 200),
        ("POST", "/logout", 204),
    ]
    assert requests[1]["user_id"] == 1 and requests[3]["user_id"] == 1  # signed in; /auth checked who
    assert requests[4]["request_id"] == "trace-me-42"
    assert all(line["service"] == "session-service" and line["request_id"] for line in requests)
    for secret in ("wrong-pw-123", "alice-pw", token, cookie, cookie.split(".")[0], assertion):
        assert secret not in text
