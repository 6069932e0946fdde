"""POST /users, GET /users/availability, GET /users/<id>, GET /users/<id>/goods."""

import logging

import pytest
from catalog_service.extensions import db
from catalog_service.models import User

from .conftest import identity_headers


def test_register_returns_public_user(client):
    response = client.post("/users", json={"username": "Alice_1", "password": "s3cret-pass"})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "username", "created_at"}
    assert body["username"] == "Alice_1"


def test_register_stores_an_argon2_hash_not_the_password(client, app, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/users", json={"username": "alice", "password": "s3cret-pass"})
    with app.app_context():
        user = db.session.scalar(db.select(User))
        assert user.password_hash.startswith("$argon2id$")
        assert "s3cret-pass" not in user.password_hash
    assert "s3cret-pass" not in caplog.text


def test_register_rejects_taken_name_ignoring_case(client, make_user):
    make_user("alice")
    response = client.post("/users", json={"username": "ALICE", "password": "s3cret-pass"})
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("body", "bad_fields"),
    [
        ({"username": "ab", "password": "s3cret-pass"}, {"username"}),
        ({"username": "a" * 33, "password": "s3cret-pass"}, {"username"}),
        ({"username": "bad name", "password": "s3cret-pass"}, {"username"}),
        ({"username": "émile", "password": "s3cret-pass"}, {"username"}),
        ({"username": "bob-1", "password": "s3cret-pass"}, {"username"}),
        ({"username": 123, "password": "s3cret-pass"}, {"username"}),
        ({"password": "s3cret-pass"}, {"username"}),
        ({"username": "alice", "password": "short"}, {"password"}),
        ({"username": "alice", "password": "x" * 129}, {"password"}),
        ({"username": "alice", "password": 12345678}, {"password"}),
        ({}, {"username", "password"}),
    ],
)
def test_register_rejects_invalid_fields(client, body, bad_fields):
    response = client.post("/users", json=body)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == bad_fields


@pytest.mark.parametrize(
    ("username", "available", "reason"),
    [("free_name", True, None), ("ALICE", False, "taken"), ("a", False, "Username must be 3 to 32 letters")],
)
def test_availability(client, make_user, username, available, reason):
    make_user("alice")
    body = client.get(f"/users/availability?username={username}").get_json()
    assert body["available"] is available
    if reason is None:
        assert body["reason"] is None
    else:
        assert body["reason"].startswith(reason)


def test_availability_without_username_explains(client):
    body = client.get("/users/availability").get_json()
    assert body["available"] is False
    assert body["reason"]


def test_profile_counts_goods(client, make_user, make_good):
    user = make_user("alice")
    for name in ["a", "b"]:
        client.put(f"/me/goods/{make_good(name)['id']}", headers=identity_headers(user))
    body = client.get(f"/users/{user['id']}").get_json()
    assert body["goods_count"] == 2
    assert body["username"] == "alice"
    assert "password_hash" not in body


@pytest.mark.parametrize("user_id", ["42", "2147483648", "123456789012345678901234"])
def test_missing_user_is_404(client, user_id):
    assert client.get(f"/users/{user_id}").status_code == 404
    assert client.get(f"/users/{user_id}/goods").status_code == 404


def test_user_goods_most_recent_first_with_added_at_and_filter(client, make_user, make_good):
    user = make_user("alice")
    headers = identity_headers(user)
    for name in ["Old teapot", "Lamp", "New teapot"]:
        client.put(f"/me/goods/{make_good(name)['id']}", headers=headers)
    body = client.get(f"/users/{user['id']}/goods").get_json()
    assert [g["name"] for g in body["items"]] == ["New teapot", "Lamp", "Old teapot"]
    assert all("added_at" in g for g in body["items"])
    filtered = client.get(f"/users/{user['id']}/goods?q=TEAPOT").get_json()
    assert [g["name"] for g in filtered["items"]] == ["New teapot", "Old teapot"]


def test_user_goods_pagination_with_equal_timestamps(client, app, make_user, make_good):
    user = make_user("alice")
    goods = [make_good(f"g{i}") for i in range(5)]
    with app.app_context():  # one transaction: every link gets the same now()
        for good in goods:
            db.session.execute(
                db.text("INSERT INTO users_goods (user_id, good_id) VALUES (:u, :g)"),
                {"u": user["id"], "g": good["id"]},
            )
        db.session.commit()
    seen, cursor = [], None
    while True:
        body = client.get(
            f"/users/{user['id']}/goods?limit=2" + (f"&cursor={cursor}" if cursor else "")
        ).get_json()
        seen += [g["id"] for g in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert seen == sorted((g["id"] for g in goods), reverse=True)


def test_user_goods_cursor_from_another_list_is_400(client, make_user, make_good):
    user = make_user("alice")
    for i in range(3):
        make_good(f"g{i}")
    goods_cursor = client.get("/goods?limit=1").get_json()["next_cursor"]
    assert client.get(f"/users/{user['id']}/goods?cursor={goods_cursor}").status_code == 400
