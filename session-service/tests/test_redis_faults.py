"""Redis down or frozen: 503 JSON within 2 s, never a hang or a 500, and recovery without a restart."""

import re
import time

import pytest
from session_helpers import assert_matches_spec, csrf, login, make_config
from session_service import create_app

BUDGET = 2.0
ENDPOINTS = [
    ("GET", "/me"),
    ("GET", "/visitor"),
    ("GET", "/csrf"),
    ("GET", "/data"),
    ("GET", "/data/k"),
    ("PUT", "/data/k"),
    ("POST", "/data/k/items"),
    ("GET", "/auth"),
    ("POST", "/logout"),
    ("GET", "/readyz"),
]


@pytest.fixture
def faulty(own_redis, catalog):
    """An app on a private redis-server, with a signed-in client."""
    app = create_app(make_config(own_redis.url))
    client = app.test_client()
    token = login(client).get_json()["csrf_token"]
    return own_redis, app, client, token


def timed(client, method, path, token):
    started = time.monotonic()
    response = client.open(
        path, method=method, json={"value": 1} if method == "PUT" else None, headers=csrf(token)
    )
    return response, time.monotonic() - started


def assert_all_unavailable(client, token, endpoints=ENDPOINTS):
    for method, path in endpoints:
        response, elapsed = timed(client, method, path, token)
        assert response.status_code == 503, (method, path, response.status_code)
        assert response.get_json()["error"]["code"] == "unavailable"
        assert response.headers.get("X-Request-ID")
        assert elapsed < BUDGET, (method, path, elapsed)
        spec_path = re.sub(r"^/data/[^/]+", "/data/{key}", path)
        assert_matches_spec(response, spec_path, method)


def assert_cookieless_writes_unavailable(app):
    """Without a cookie nothing is read; the failure comes when the new session is saved."""
    for call in (lambda c: c.get("/csrf"), login):
        started = time.monotonic()
        response = call(app.test_client())
        assert response.status_code == 503
        assert response.get_json()["error"]["code"] == "unavailable"
        assert time.monotonic() - started < BUDGET


def test_redis_down_gives_503_then_recovers_when_it_is_back(faulty, catalog):
    server, app, client, token = faulty
    server.stop()
    assert_all_unavailable(client, token)
    assert client.get("/healthz").status_code == 200  # alive, just not ready
    assert_cookieless_writes_unavailable(app)

    server.start()  # same port, empty data: the old session is gone, the service is not
    assert client.get("/readyz").status_code == 200
    assert client.get("/me").status_code == 401
    assert login(client).status_code == 200
    assert client.get("/me").status_code == 200


def test_frozen_redis_gives_503_within_2_seconds_then_recovers(faulty):
    server, app, client, token = faulty
    server.pause()  # accepts connections, answers nothing: the slow case
    try:
        assert_all_unavailable(client, token, [("GET", "/me"), ("PUT", "/data/k"), ("GET", "/readyz")])
        assert_cookieless_writes_unavailable(app)
    finally:
        server.resume()
    assert client.get("/me").status_code == 200  # same session, no restart of the app
    assert client.put("/data/k", json={"value": 2}, headers=csrf(token)).status_code == 200
