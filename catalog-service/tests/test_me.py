"""GET/PUT/DELETE /me/goods: the signed-in user's own goods."""

import threading

import pytest
from catalog_service.extensions import db

from .conftest import SECRET, identity_headers


def link_count(app, user_id: int, good_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            db.text("SELECT count(*) FROM users_goods WHERE user_id = :u AND good_id = :g"),
            {"u": user_id, "g": good_id},
        )


def test_add_good_then_add_again_keeps_one_link(client, app, make_user, make_good):
    user, good = make_user(), make_good("Teapot", "3.10")
    first = client.put(f"/me/goods/{good['id']}", headers=identity_headers(user))
    assert first.status_code == 201
    assert first.get_json()["name"] == "Teapot"
    assert first.get_json()["price"] == "3.10"
    again = client.put(f"/me/goods/{good['id']}", headers=identity_headers(user))
    assert again.status_code == 200
    assert again.get_json()["added_at"] == first.get_json()["added_at"]
    assert link_count(app, user["id"], good["id"]) == 1


def test_add_and_remove_answer_the_new_owners_count(client, make_user, make_good):
    alice, bob, good = make_user("alice"), make_user("bob"), make_good()
    path = f"/me/goods/{good['id']}"
    assert client.put(path, headers=identity_headers(alice)).get_json()["owners_count"] == 1
    assert client.put(path, headers=identity_headers(bob)).get_json()["owners_count"] == 2
    again = client.put(path, headers=identity_headers(bob))
    assert (again.status_code, again.get_json()["owners_count"]) == (200, 2)
    removed = client.delete(path, headers=identity_headers(alice))
    assert removed.get_json() == {"id": good["id"], "owners_count": 1}
    assert client.delete(path, headers=identity_headers(alice)).get_json()["owners_count"] == 1
    assert client.get(f"/goods/{good['id']}").get_json()["owners_count"] == 1


def test_remove_good_is_idempotent(client, app, make_user, make_good):
    user, good = make_user(), make_good()
    headers = identity_headers(user)
    client.put(f"/me/goods/{good['id']}", headers=headers)
    removed = client.delete(f"/me/goods/{good['id']}", headers=headers)
    assert (removed.status_code, removed.get_json()) == (200, {"id": good["id"], "owners_count": 0})
    assert link_count(app, user["id"], good["id"]) == 0
    again = client.delete(f"/me/goods/{good['id']}", headers=headers)
    assert (again.status_code, again.get_json()) == (200, {"id": good["id"], "owners_count": 0})
    missing = client.delete("/me/goods/12345", headers=headers)
    assert (missing.status_code, missing.get_json()) == (200, {"id": 12345, "owners_count": 0})


def test_add_missing_good_is_404(client, make_user):
    response = client.put("/me/goods/999", headers=identity_headers(make_user()))
    assert response.status_code == 404
    assert client.put("/me/goods/99999999999", headers=identity_headers(make_user("bob"))).status_code == 404


def test_twenty_concurrent_adds_make_one_link(app, make_user, make_good):
    user, good = make_user(), make_good()
    barrier = threading.Barrier(20)
    statuses: list[int] = []
    owners_counts: list[int] = []

    def add() -> None:
        client = app.test_client()  # own client, own app context, own pooled connection
        barrier.wait()
        response = client.put(f"/me/goods/{good['id']}", headers=identity_headers(user))
        statuses.append(response.status_code)
        owners_counts.append(response.get_json()["owners_count"])

    threads = [threading.Thread(target=add) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 19 + [201]
    assert owners_counts == [1] * 20  # also the adds that found the link committed after they began
    assert link_count(app, user["id"], good["id"]) == 1


def test_my_goods_lists_only_mine(client, make_user, make_good):
    alice, bob = make_user("alice"), make_user("bob")
    teapot, lamp = make_good("Teapot"), make_good("Lamp")
    client.put(f"/me/goods/{teapot['id']}", headers=identity_headers(alice))
    client.put(f"/me/goods/{lamp['id']}", headers=identity_headers(bob))
    body = client.get("/me/goods", headers=identity_headers(alice)).get_json()
    assert [g["name"] for g in body["items"]] == ["Teapot"]
    assert body["next_cursor"] is None
    assert client.get("/me/goods?q=lamp", headers=identity_headers(alice)).get_json()["items"] == []


def test_my_good_is_the_list_entry_when_mine_and_404_otherwise(client, make_user, make_good):
    alice, bob = make_user("alice"), make_user("bob")
    teapot, lamp = make_good("Teapot", "3.10", "Blue"), make_good("Lamp")
    client.put(f"/me/goods/{teapot['id']}", headers=identity_headers(alice))
    client.put(f"/me/goods/{lamp['id']}", headers=identity_headers(bob))
    mine = client.get(f"/me/goods/{teapot['id']}", headers=identity_headers(alice))
    assert mine.status_code == 200
    assert [mine.get_json()] == client.get("/me/goods?q=teapot", headers=identity_headers(alice)).get_json()[
        "items"
    ]
    for good_id in (lamp["id"], 999):  # bob's good, and no good at all
        response = client.get(f"/me/goods/{good_id}", headers=identity_headers(alice))
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def forged(user):
    from shop_common.identity import sign_identity

    return sign_identity("some-other-secret", user["id"], user["username"])


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "garbage",
        "a.b",
        "forged",
        "expired",
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/me/goods"), ("get", "/me/goods/1"), ("put", "/me/goods/1"), ("delete", "/me/goods/1")],
)
def test_me_needs_a_valid_identity(client, make_user, make_good, header, method, path):
    user = make_user()
    make_good()
    if header == "forged":
        header = forged(user)
    elif header == "expired":
        from shop_common.identity import sign_identity

        header = sign_identity(SECRET, user["id"], user["username"], ttl=-1)
    headers = {"X-Identity": header} if header is not None else {}
    headers |= {"X-User-Id": str(user["id"])}  # other headers are never trusted
    response = getattr(client, method)(path, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_identity_of_deleted_user_is_401(client, app, make_user):
    user = make_user()
    with app.app_context():
        db.session.execute(db.text("DELETE FROM users"))
        db.session.commit()
    assert client.get("/me/goods", headers=identity_headers(user)).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/me/goods"), ("get", "/me/goods/{}"), ("put", "/me/goods/{}"), ("delete", "/me/goods/{}")],
)
def test_identity_with_wrong_username_is_401_and_changes_nothing(client, make_user, make_good, method, path):
    # alice owns the good, so each statement would find rows: only the account guard stops it
    alice, good = make_user("alice"), make_good()
    assert client.put(f"/me/goods/{good['id']}", headers=identity_headers(alice)).status_code == 201
    stale = identity_headers({**alice, "username": "mallory"})
    response = getattr(client, method)(path.format(good["id"]), headers=stale)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    owned = client.get("/me/goods", headers=identity_headers(alice)).get_json()["items"]
    assert [item["id"] for item in owned] == [good["id"]]


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_identity_of_deleted_user_is_401_for_one_good(client, app, make_user, make_good, method):
    user, good = make_user(), make_good()
    with app.app_context():
        db.session.execute(db.text("DELETE FROM users"))
        db.session.commit()
    response = getattr(client, method)(f"/me/goods/{good['id']}", headers=identity_headers(user))
    assert response.status_code == 401
