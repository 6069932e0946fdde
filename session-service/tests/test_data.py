"""Session data for any visitor: CRUD, limits, CSRF on writes, internal keys kept apart."""

import json

import pytest
from session_helpers import assert_matches_spec, csrf, login, sid_cookie, store_key


@pytest.fixture
def token(client):
    return client.get("/csrf").get_json()["csrf_token"]


def test_put_get_list_delete(client, token):
    put = client.put("/data/recent_goods", json={"value": [5, 2, 9]}, headers=csrf(token))
    assert put.status_code == 200
    assert put.get_json() == {"key": "recent_goods", "value": [5, 2, 9]}
    assert_matches_spec(put, "/data/{key}", "put")
    got = client.get("/data/recent_goods")
    assert got.get_json() == {"key": "recent_goods", "value": [5, 2, 9]}
    assert_matches_spec(got, "/data/{key}", "get")
    listed = client.get("/data")
    assert listed.get_json() == {"data": {"recent_goods": [5, 2, 9]}}
    assert_matches_spec(listed, "/data", "get")
    assert client.delete("/data/recent_goods", headers=csrf(token)).status_code == 204
    missing = client.get("/data/recent_goods")
    assert missing.status_code == 404
    assert_matches_spec(missing, "/data/{key}", "get")
    assert client.delete("/data/recent_goods", headers=csrf(token)).status_code == 204  # idempotent


def test_any_json_value_round_trips(client, token):
    for value in [None, 0, "text", {"nested": [1, {"a": True}]}, 1.5]:
        client.put("/data/v", json={"value": value}, headers=csrf(token))
        assert client.get("/data/v").get_json()["value"] == value


def test_visitor_without_a_session_sees_empty_data_and_gets_no_session(client, redis_client):
    assert client.get("/data").get_json() == {"data": {}}
    assert client.get_cookie("sid") is None
    assert list(redis_client.scan_iter("sess:*")) == []


@pytest.mark.parametrize("key", ["a" * 65, "bad key", "semi;colon", "%C3%BC", "new%0Aline"])
def test_invalid_keys_are_422(client, token, key):
    response = client.put(f"/data/{key}", json={"value": 1}, headers=csrf(token))
    assert response.status_code == 422
    assert "key" in response.get_json()["error"]["fields"]


def test_key_of_64_allowed_characters_is_fine(client, token):
    key = ("Az0_.-" * 11)[:64]
    assert client.put(f"/data/{key}", json={"value": 1}, headers=csrf(token)).status_code == 200


def test_value_over_4_kib_is_413(client, token):
    assert client.put("/data/k", json={"value": "x" * 4094}, headers=csrf(token)).status_code == 200
    response = client.put("/data/k", json={"value": "x" * 4095}, headers=csrf(token))
    assert response.status_code == 413
    assert_matches_spec(response, "/data/{key}", "put")


def test_at_most_50_keys(client, token):
    for i in range(50):
        assert client.put(f"/data/k{i}", json={"value": i}, headers=csrf(token)).status_code == 200
    response = client.put("/data/one-too-many", json={"value": 1}, headers=csrf(token))
    assert response.status_code == 422
    assert "50" in response.get_json()["error"]["message"]
    assert client.put("/data/k0", json={"value": "replaced"}, headers=csrf(token)).status_code == 200


def test_put_needs_a_value(client, token):
    response = client.put("/data/k", json={"other": 1}, headers=csrf(token))
    assert response.status_code == 422
    assert "value" in response.get_json()["error"]["fields"]


def test_put_needs_json(client, token):
    response = client.put("/data/k", data="value=1", headers=csrf(token))
    assert response.status_code == 415
    assert_matches_spec(response, "/data/{key}", "put")


def test_user_data_cannot_clobber_internal_keys(client, catalog, redis_client):
    token = login(client).get_json()["csrf_token"]
    for key in ("user", "csrf", "created", "login_at"):
        client.put(f"/data/{key}", json={"value": "evil"}, headers=csrf(token))
    me = client.get("/me").get_json()
    assert me["user"] == {"id": 1, "username": "alice"}
    assert me["csrf_token"] == token
    record = json.loads(redis_client.get(store_key(sid_cookie(client))))
    assert record["user"]["id"] == 1 and isinstance(record["created"], int)


@pytest.mark.parametrize(
    ("method", "path"), [("PUT", "/data/k"), ("DELETE", "/data/k"), ("DELETE", "/remembered")]
)
def test_writes_without_the_token_are_forbidden(client, token, method, path):
    response = client.open(path, method=method, json={"value": 1})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(("method", "path"), [("PUT", "/data/k"), ("DELETE", "/data/k")])
def test_writes_with_a_wrong_token_are_forbidden(client, token, method, path):
    response = client.open(path, method=method, json={"value": 1}, headers=csrf(token[:-1] + "x"))
    assert response.status_code == 403


def test_writes_with_another_sessions_token_are_forbidden(app, client, token):
    other_token = app.test_client().get("/csrf").get_json()["csrf_token"]
    assert other_token != token
    response = client.put("/data/k", json={"value": 1}, headers=csrf(other_token))
    assert response.status_code == 403
    assert client.get("/data").get_json() == {"data": {}}


def test_write_without_any_session_is_forbidden(client, redis_client):
    assert client.put("/data/k", json={"value": 1}, headers=csrf("anything")).status_code == 403
    assert list(redis_client.scan_iter("sess:*")) == []


def test_every_session_has_exactly_one_token(client, catalog):
    first = client.get("/csrf").get_json()["csrf_token"]
    assert client.get("/csrf").get_json()["csrf_token"] == first
    signed_in = login(client).get_json()["csrf_token"]
    assert signed_in != first
    csrf_answer = client.get("/csrf")
    assert csrf_answer.get_json()["csrf_token"] == signed_in
    assert_matches_spec(csrf_answer, "/csrf", "get")
