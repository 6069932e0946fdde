"""POST /logout ends the session for good, even with requests in flight on the same cookie."""

import threading

import pytest
from flask import request
from session_helpers import csrf, login, sid_cookie, store_key


def test_logout_deletes_the_session_and_expires_the_cookie(client, catalog, redis_client):
    token = login(client).get_json()["csrf_token"]
    key = store_key(sid_cookie(client))
    response = client.post("/logout", headers=csrf(token))
    assert response.status_code == 204
    assert not redis_client.exists(key)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("sid="))
    assert "Expires=Thu, 01 Jan 1970" in header and "HttpOnly" in header
    assert client.get("/me").status_code == 401


@pytest.mark.parametrize("token", [None, "wrong"], ids=["no-token", "wrong-token"])
def test_logout_needs_the_csrf_token(client, catalog, redis_client, token):
    login(client)
    headers = csrf(token) if token else {}
    response = client.post("/logout", headers=headers)
    assert response.status_code == 403
    assert redis_client.exists(store_key(sid_cookie(client)))


def test_logout_with_another_sessions_token_is_forbidden(app, client, catalog):
    login(client)
    other_token = login(app.test_client(), "bob").get_json()["csrf_token"]
    assert client.post("/logout", headers=csrf(other_token)).status_code == 403
    assert client.get("/me").status_code == 200


def test_logout_without_a_session_is_a_no_op(client):
    assert client.post("/logout").status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("GET", "/me", None), ("GET", "/data", None), ("PUT", "/data/recent_goods", {"value": [7]})],
    ids=["read-me", "read-data", "write-data"],
)
def test_logout_is_final_while_a_slow_request_is_in_flight(app, catalog, redis_client, method, path, body):
    loaded, release = threading.Event(), threading.Event()

    @app.after_request
    def hold_marked_requests(response):
        # Runs after the view and before the session is saved: the request has loaded the session.
        if request.headers.get("X-Test-Hold"):
            loaded.set()
            release.wait(5)
        return response

    client = app.test_client()
    token = login(client).get_json()["csrf_token"]
    cookie = sid_cookie(client)
    slow = app.test_client()
    slow.set_cookie("sid", cookie)
    results = {}

    def slow_request():
        headers = {"X-Test-Hold": "1", **csrf(token)}
        results["status"] = slow.open(path, method=method, json=body, headers=headers).status_code

    thread = threading.Thread(target=slow_request)
    thread.start()
    assert loaded.wait(5)
    assert client.post("/logout", headers=csrf(token)).status_code == 204
    release.set()
    thread.join(5)

    assert results["status"] == 200
    assert not redis_client.exists(store_key(cookie))  # not written back
    assert slow.get("/me").status_code == 401
