"""POST /login against catalog-service's credential check; the remember-me cookie."""

import pytest
import requests
import responses
from session_helpers import (
    INTERNAL_SECRET,
    VERIFY_URL,
    XHR,
    assert_matches_spec,
    csrf,
    free_port,
    login,
    make_config,
    sid_cookie,
)
from session_service import create_app


def test_login_answers_user_and_csrf_token(client, catalog):
    response = login(client)
    assert response.status_code == 200
    body = response.get_json()
    assert body["user"] == {"id": 1, "username": "alice"}
    assert len(body["csrf_token"]) >= 32
    assert_matches_spec(response, "/login", "post")
    me = client.get("/me")
    assert me.get_json()["user"] == body["user"]
    assert me.get_json()["csrf_token"] == body["csrf_token"]
    assert me.get_json()["login_at"].endswith("Z")
    assert_matches_spec(me, "/me", "get")


def test_login_sends_the_internal_secret_and_credentials(client, catalog):
    login(client)
    sent = catalog.calls[0].request
    assert sent.headers["X-Internal-Secret"] == INTERNAL_SECRET
    assert sent.body and b'"username": "alice"' in sent.body and b'"password": "alice-pw"' in sent.body


def test_unknown_user_and_wrong_password_get_the_same_401(client, catalog):
    wrong_password = login(client, "alice", password="nope")
    unknown_user = client.post("/login", json={"username": "mallory", "password": "x"}, headers=XHR)
    assert wrong_password.status_code == unknown_user.status_code == 401
    assert wrong_password.get_json()["error"]["message"] == unknown_user.get_json()["error"]["message"]
    assert client.get_cookie("sid") is None
    assert_matches_spec(wrong_password, "/login", "post")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"password": "x"}, "username"),
        ({"username": 5, "password": "x"}, "username"),
        ({"username": "alice"}, "password"),
        ({"username": "alice", "password": ["x"]}, "password"),
        ({"username": "alice", "password": "x", "remember": "yes"}, "remember"),
    ],
)
def test_login_validates_fields(client, catalog, body, field):
    response = client.post("/login", json=body, headers=XHR)
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert len(catalog.calls) == 0
    assert_matches_spec(response, "/login", "post")


def test_login_without_x_requested_with_is_forbidden(client, catalog):
    response = client.post("/login", json={"username": "alice", "password": "alice-pw"})
    assert response.status_code == 403
    assert len(catalog.calls) == 0


def test_login_with_a_form_body_is_forbidden(client, catalog):
    response = client.post("/login", data={"username": "alice", "password": "alice-pw"}, headers=XHR)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert len(catalog.calls) == 0


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 500, "json": {"error": "boom"}},
        {"status": 502, "body": "<html>bad gateway</html>"},
        {"body": requests.exceptions.ReadTimeout("slow")},
        {"body": requests.exceptions.ConnectionError("refused")},
        {"status": 200, "json": {"unexpected": True}},
    ],
    ids=["500", "502-html", "timeout", "connection-error", "malformed"],
)
def test_catalog_trouble_makes_login_503(client, failure):
    with responses.RequestsMock() as mock:
        mock.add(responses.POST, VERIFY_URL, **failure)
        response = login(client)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "unavailable"
    assert client.get_cookie("sid") is None


def test_catalog_down_makes_login_503(redis_client, redis_url):
    app = create_app(make_config(redis_url, catalog_url=f"http://127.0.0.1:{free_port()}"))
    response = login(app.test_client())
    assert response.status_code == 503
    assert_matches_spec(response, "/login", "post")


def test_remember_sets_a_30_day_cookie_that_can_be_read_and_deleted(client, catalog):
    response = login(client, remember=True)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remembered_username="))
    assert header.startswith("remembered_username=alice;")
    assert "Max-Age=2592000" in header
    assert "HttpOnly" in header and "SameSite=Lax" in header
    remembered = client.get("/remembered")
    assert remembered.get_json() == {"username": "alice"}
    assert_matches_spec(remembered, "/remembered", "get")

    token = response.get_json()["csrf_token"]
    assert client.delete("/remembered").status_code == 403  # CSRF token required
    deleted = client.delete("/remembered", headers=csrf(token))
    assert deleted.status_code == 204
    expired = next(h for h in deleted.headers.getlist("Set-Cookie") if h.startswith("remembered_username="))
    assert "Max-Age=0" in expired
    assert client.get("/remembered").get_json() == {"username": None}


def test_login_without_remember_leaves_an_existing_cookie_alone(client, catalog):
    login(client, remember=True)
    response = login(client, "bob", remember=False)
    assert not any(h.startswith("remembered_username=") for h in response.headers.getlist("Set-Cookie"))
    assert client.get("/remembered").get_json() == {"username": "alice"}


def test_visitor_data_survives_sign_in_but_the_csrf_token_does_not(client, catalog):
    token = client.get("/csrf").get_json()["csrf_token"]
    client.put("/data/recent_goods", json={"value": [3, 1]}, headers=csrf(token))
    body = login(client).get_json()
    assert body["csrf_token"] != token
    assert client.get("/data/recent_goods").get_json() == {"key": "recent_goods", "value": [3, 1]}
    assert sid_cookie(client)


# -- GET /visitor: who is here, without a 401 for the browser to log ---------------------------


def test_visitor_without_a_session_is_null_everywhere_and_gets_no_session(client, redis_client):
    response = client.get("/visitor")
    assert response.status_code == 200
    assert response.get_json() == {"user": None, "login_at": None, "csrf_token": None}
    assert_matches_spec(response, "/visitor", "get")
    assert client.get_cookie("sid") is None
    assert list(redis_client.scan_iter("sess:*")) == []


def test_visitor_with_an_anonymous_session_gets_its_csrf_token(client):
    token = client.get("/csrf").get_json()["csrf_token"]
    response = client.get("/visitor")
    assert response.get_json() == {"user": None, "login_at": None, "csrf_token": token}
    assert_matches_spec(response, "/visitor", "get")


def test_visitor_signed_in_answers_what_me_answers(client, catalog):
    login(client)
    visitor = client.get("/visitor")
    assert visitor.status_code == 200
    assert visitor.get_json() == client.get("/me").get_json()
    assert visitor.get_json()["user"] == {"id": 1, "username": "alice"}
    assert_matches_spec(visitor, "/visitor", "get")


def test_visitor_after_logout_is_signed_out_while_me_stays_401(client, catalog):
    token = login(client).get_json()["csrf_token"]
    assert client.post("/logout", headers=csrf(token)).status_code == 204
    assert client.get("/visitor").get_json()["user"] is None
    assert client.get("/me").status_code == 401
