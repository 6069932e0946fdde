"""GET /auth for nginx auth_request: identity assertion, 401, CSRF 403, and no Redis writes."""

import pytest
from session_helpers import (
    INTERNAL_SECRET,
    assert_matches_spec,
    calls_delta,
    command_calls,
    csrf,
    login,
    sid_cookie,
    store_key,
)
from shop_common.identity import HEADER, verify_identity

READ_COMMANDS = {"get"}


def test_signed_in_user_gets_a_verifiable_identity(client, catalog):
    login(client)
    response = client.get("/auth")
    assert response.status_code == 200
    assert response.data == b""
    identity = verify_identity(INTERNAL_SECRET, response.headers[HEADER])
    assert identity is not None
    assert (identity.user_id, identity.username) == (1, "alice")
    assert verify_identity("another-secret", response.headers[HEADER]) is None
    assert_matches_spec(response, "/auth", "get")


def test_nobody_signed_in_is_401_and_creates_no_session(client, redis_client):
    response = client.get("/auth")
    assert response.status_code == 401
    assert HEADER not in response.headers
    assert client.get_cookie("sid") is None
    assert_matches_spec(response, "/auth", "get")
    client.get("/csrf")  # an anonymous session is not a signed-in one
    assert client.get("/auth").status_code == 401


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_method_needs_the_csrf_token(client, catalog, method):
    token = login(client).get_json()["csrf_token"]
    assert client.get("/auth", headers={"X-Original-Method": method}).status_code == 403
    wrong = client.get("/auth", headers={"X-Original-Method": method, **csrf("nope")})
    assert wrong.status_code == 403
    assert_matches_spec(wrong, "/auth", "get")
    good = client.get("/auth", headers={"X-Original-Method": method, **csrf(token)})
    assert good.status_code == 200
    assert verify_identity(INTERNAL_SECRET, good.headers[HEADER]) is not None


def test_another_sessions_token_does_not_pass(app, client, catalog):
    login(client)
    bobs_token = login(app.test_client(), "bob").get_json()["csrf_token"]
    headers = {"X-Original-Method": "POST", **csrf(bobs_token)}
    assert client.get("/auth", headers=headers).status_code == 403


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_safe_methods_need_no_token(client, catalog, method):
    login(client)
    assert client.get("/auth", headers={"X-Original-Method": method}).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"X-Original-Method": "POST"}], ids=["allowed", "forbidden"])
def test_auth_does_one_read_and_no_write(client, catalog, redis_client, headers):
    login(client)
    key = store_key(sid_cookie(client))
    redis_client.expire(key, 100)
    before = command_calls(redis_client)
    response = client.get("/auth", headers=headers)
    delta = calls_delta(before, command_calls(redis_client))
    assert response.status_code in (200, 403)
    assert delta == {"get": 1}
    assert redis_client.ttl(key) <= 100  # not refreshed
    assert not any(h.startswith("sid=") for h in response.headers.getlist("Set-Cookie"))
