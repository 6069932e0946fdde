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


# the two writes that take a body: (method, path, a valid body)
WRITES = [("put", "/data/{key}", {"value": 1}), ("post", "/data/{key}/items", {"item": 1})]


@pytest.mark.parametrize("key", ["a" * 65, "bad key", "semi;colon", "%C3%BC", "new%0Aline"])
@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_invalid_keys_are_422(client, token, key, method, path, body):
    response = client.open(path.format(key=key), method=method, json=body, headers=csrf(token))
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


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_writes_need_json(client, token, method, path, body):
    form = "&".join(f"{name}={value}" for name, value in body.items())
    response = client.open(path.format(key="k"), method=method, data=form, headers=csrf(token))
    assert response.status_code == 415
    assert_matches_spec(response, path, method)


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


# -- POST /data/<key>/items: a most-recent-first list in one call ------------------------------


def add_item(client, token, key="recent_goods", **body):
    return client.post(f"/data/{key}/items", json=body, headers=csrf(token))


def test_add_item_creates_the_list_and_puts_each_new_item_first(client, token):
    first = add_item(client, token, item={"id": 5, "name": "Lamp"}, unique_by="id", max=8)
    assert first.status_code == 200
    assert first.get_json() == {"key": "recent_goods", "value": [{"id": 5, "name": "Lamp"}]}
    assert_matches_spec(first, "/data/{key}/items", "post")
    second = add_item(client, token, item={"id": 7, "name": "Mug"}, unique_by="id", max=8)
    assert second.get_json()["value"] == [{"id": 7, "name": "Mug"}, {"id": 5, "name": "Lamp"}]
    assert client.get("/data/recent_goods").get_json()["value"] == second.get_json()["value"]


def test_add_item_drops_older_entries_equal_on_unique_by(client, token):
    client.put(
        "/data/recent_goods",
        json={"value": [{"id": 7, "name": "Mug"}, {"id": 5, "name": "Old name"}, {"id": "5"}, "text"]},
        headers=csrf(token),
    )
    response = add_item(client, token, item={"id": 5, "name": "Lamp"}, unique_by="id", max=8)
    # "5" is not 5, and an entry without the field is never a duplicate
    expected = [{"id": 5, "name": "Lamp"}, {"id": 7, "name": "Mug"}, {"id": "5"}, "text"]
    assert response.get_json()["value"] == expected


def test_add_item_without_unique_by_drops_entries_equal_to_the_whole_item(client, token):
    client.put("/data/tags", json={"value": ["b", {"x": 1, "y": 2}, 1, True]}, headers=csrf(token))
    same_object = add_item(client, token, key="tags", item={"y": 2, "x": 1})
    assert same_object.get_json()["value"] == [{"y": 2, "x": 1}, "b", 1, True]
    # equal as JSON, not as Python: true is not 1
    true = add_item(client, token, key="tags", item=True)
    assert true.get_json()["value"] == [True, {"y": 2, "x": 1}, "b", 1]


def test_add_item_keeps_at_most_max_entries_newest_first(client, token):
    for i in range(10):
        response = add_item(client, token, item={"id": i}, unique_by="id", max=8)
    assert [entry["id"] for entry in response.get_json()["value"]] == [9, 8, 7, 6, 5, 4, 3, 2]
    shorter = add_item(client, token, item={"id": 3}, unique_by="id", max=2)
    assert shorter.get_json()["value"] == [{"id": 3}, {"id": 9}]


def test_add_item_without_max_keeps_every_entry(client, token):
    for i in range(20):
        response = add_item(client, token, key="all", item=i)
    assert response.get_json()["value"] == list(range(19, -1, -1))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "item"),
        ({"value": 1}, "item"),
        ({"item": 5, "unique_by": "id"}, "item"),
        ({"item": {"name": "Lamp"}, "unique_by": "id"}, "item"),
        ({"item": {"id": 1}, "unique_by": ""}, "unique_by"),
        ({"item": {"id": 1}, "unique_by": 3}, "unique_by"),
        ({"item": {"id": 1}, "unique_by": "bad key"}, "unique_by"),
        ({"item": 1, "max": 0}, "max"),
        ({"item": 1, "max": -3}, "max"),
        ({"item": 1, "max": 2.5}, "max"),
        ({"item": 1, "max": "8"}, "max"),
        ({"item": 1, "max": True}, "max"),
    ],
)
def test_add_item_validates_the_request(client, token, body, field):
    response = client.post("/data/k/items", json=body, headers=csrf(token))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert_matches_spec(response, "/data/{key}/items", "post")
    assert client.get("/data").get_json() == {"data": {}}


def test_add_item_reports_every_invalid_field_at_once(client, token):
    response = client.post("/data/k/items", json={"unique_by": 3, "max": 0}, headers=csrf(token))
    assert set(response.get_json()["error"]["fields"]) == {"item", "unique_by", "max"}


def test_add_item_to_a_value_that_is_not_a_list_is_409_and_changes_nothing(client, token):
    client.put("/data/k", json={"value": {"a": 1}}, headers=csrf(token))
    response = add_item(client, token, key="k", item=1)
    assert response.status_code == 409
    assert "not a list" in response.get_json()["error"]["message"]
    assert_matches_spec(response, "/data/{key}/items", "post")
    assert client.get("/data/k").get_json()["value"] == {"a": 1}


def test_add_item_keeps_the_size_and_key_limits(client, token):
    client.put("/data/k", json={"value": ["x" * 4000]}, headers=csrf(token))
    too_big = add_item(client, token, key="k", item="y" * 100)
    assert too_big.status_code == 413
    assert_matches_spec(too_big, "/data/{key}/items", "post")
    assert client.get("/data/k").get_json()["value"] == ["x" * 4000]

    for i in range(49):
        assert client.put(f"/data/n{i}", json={"value": i}, headers=csrf(token)).status_code == 200
    over = add_item(client, token, key="one-too-many", item=1)
    assert over.status_code == 422
    assert "50" in over.get_json()["error"]["message"]
    assert add_item(client, token, key="k", item="z").status_code == 200  # existing keys still grow


def test_add_item_without_the_token_is_forbidden_and_creates_no_session(client, redis_client):
    response = client.post("/data/k/items", json={"item": 1})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    assert_matches_spec(response, "/data/{key}/items", "post")
    assert list(redis_client.scan_iter("sess:*")) == []


def test_add_item_with_another_sessions_token_is_forbidden(app, client, token):
    other_token = app.test_client().get("/csrf").get_json()["csrf_token"]
    assert add_item(client, other_token, item=1).status_code == 403
    assert client.get("/data").get_json() == {"data": {}}
