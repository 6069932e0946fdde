"""GET/POST /goods, GET /goods/<id>, GET /goods/<id>/users."""

import time

import pytest

from .conftest import identity_headers


def names(response) -> list[str]:
    return [item["name"] for item in response.get_json()["items"]]


def test_list_goods_is_ordered_by_name_ignoring_case(client, make_good):
    for name in ["banana", "Apple", "cherry"]:
        make_good(name)
    response = client.get("/goods")
    assert response.status_code == 200
    assert names(response) == ["Apple", "banana", "cherry"]
    assert response.get_json()["next_cursor"] is None


def test_good_json_shape(client, make_good):
    make_good("Teapot", "12.5", "Holds 1 l.")
    item = client.get("/goods").get_json()["items"][0]
    assert set(item) == {"id", "name", "price", "description", "created_at"}
    assert item["price"] == "12.50"
    assert item["description"] == "Holds 1 l."
    assert "T" in item["created_at"]


def test_search_puts_prefix_matches_before_substring_matches(client, make_good):
    for name in ["Red kettle", "Kettle black", "kettlebell", "Blue Kettle", "Lamp"]:
        make_good(name)
    response = client.get("/goods?q=KETTLE")
    assert names(response) == ["Kettle black", "kettlebell", "Blue Kettle", "Red kettle"]


def test_short_query_returns_prefix_matches_only(client, make_good):
    for name in ["ab one", "cab", "abacus"]:
        make_good(name)
    assert names(client.get("/goods?q=ab")) == ["ab one", "abacus"]


def test_search_treats_wildcards_literally(client, make_good):
    make_good("100% cotton")
    make_good("1000 pieces")
    assert names(client.get("/goods?q=100%25")) == ["100% cotton"]
    make_good("snake_case mug")
    make_good("snakes")
    assert names(client.get("/goods?q=snake_")) == ["snake_case mug"]


def test_search_pages_through_both_phases_without_gaps_or_repeats(client, make_good):
    expected = [f"pot {i:02d}" for i in range(7)] + [f"a pot {i:02d}" for i in range(6)]
    for name in expected:
        make_good(name)
    make_good("unrelated")
    seen, cursor, pages = [], None, 0
    while True:
        url = "/goods?q=pot&limit=4" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).get_json()
        seen += [item["name"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 4


def test_list_pages_with_opaque_cursor(client, make_good):
    for i in range(5):
        make_good(f"good {i}")
    first = client.get("/goods?limit=2").get_json()
    assert [g["name"] for g in first["items"]] == ["good 0", "good 1"]
    second = client.get(f"/goods?limit=2&cursor={first['next_cursor']}").get_json()
    assert [g["name"] for g in second["items"]] == ["good 2", "good 3"]
    third = client.get(f"/goods?limit=2&cursor={second['next_cursor']}").get_json()
    assert [g["name"] for g in third["items"]] == ["good 4"]
    assert third["next_cursor"] is None


def test_default_limit_is_20(client, make_good):
    for i in range(21):
        make_good(f"item {i:02d}")
    body = client.get("/goods").get_json()
    assert len(body["items"]) == 20
    assert body["next_cursor"] is not None


# garbage, {"x":1}, [], ["owned","x",1], ["goods",7,"a"] (unknown phase), ["goods",0,"a",1]
@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "eyJ4IjoxfQ",
        "W10",
        "WyJvd25lZCIsIngiLDFd",
        "WyJnb29kcyIsNywiYSJd",
        "WyJnb29kcyIsMCwiYSIsMV0",
        "%00",
        "a" * 600,
    ],
)
def test_invalid_cursor_is_400(client, cursor):
    response = client.get(f"/goods?cursor={cursor}")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert "cursor" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("limit", ["0", "51", "-1", "abc", "1.5", "99999999999999999999", "١٢"])
def test_invalid_limit_is_422(client, limit):
    response = client.get(f"/goods?limit={limit}")
    assert response.status_code == 422
    assert "limit" in response.get_json()["error"]["fields"]


def test_get_good_counts_owners(client, make_good, make_user, app):
    good = make_good("Teapot")
    for name in ["alice", "bob"]:
        user = make_user(name)
        assert client.put(f"/me/goods/{good['id']}", headers=identity_headers(user)).status_code == 201
    body = client.get(f"/goods/{good['id']}").get_json()
    assert body["owners_count"] == 2
    assert body["name"] == "Teapot"


@pytest.mark.parametrize("good_id", ["999", "0", "2147483648", "99999999999999999999", "-1", "abc", "1.5"])
def test_get_missing_or_malformed_good_is_404(client, good_id):
    response = client.get(f"/goods/{good_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_create_good_needs_sign_in(client):
    response = client.post("/goods", json={"name": "Teapot", "price": "1.00"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("price", "stored"),
    [
        ("12.5", "12.50"),
        (12.5, "12.50"),
        (3, "3.00"),
        ("0", "0.00"),
        ("99999999.99", "99999999.99"),
        ("1.230", "1.23"),
    ],
)
def test_create_good_accepts_prices(client, make_user, price, stored):
    headers = identity_headers(make_user())
    response = client.post("/goods", json={"name": "  Teapot  ", "price": price}, headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["price"] == stored
    assert body["name"] == "Teapot"
    assert body["description"] is None
    assert client.get(f"/goods/{body['id']}").get_json()["price"] == stored


@pytest.mark.parametrize(
    ("body", "bad_fields"),
    [
        ({"name": "", "price": "1"}, {"name"}),
        ({"name": "   ", "price": "1"}, {"name"}),
        ({"name": "x" * 121, "price": "1"}, {"name"}),
        ({"name": 5, "price": "1"}, {"name"}),
        ({"name": "bell\u0007", "price": "1"}, {"name"}),
        ({"price": "1"}, {"name"}),
        ({"name": "A"}, {"price"}),
        ({"name": "A", "price": "-0.01"}, {"price"}),
        ({"name": "A", "price": -1}, {"price"}),
        ({"name": "A", "price": "100000000"}, {"price"}),
        ({"name": "A", "price": "1.234"}, {"price"}),
        ({"name": "A", "price": 0.001}, {"price"}),
        ({"name": "A", "price": "abc"}, {"price"}),
        ({"name": "A", "price": "NaN"}, {"price"}),
        ({"name": "A", "price": "Infinity"}, {"price"}),
        ({"name": "A", "price": True}, {"price"}),
        ({"name": "A", "price": None}, {"price"}),
        ({"name": "A", "price": [1]}, {"price"}),
        ({"name": "A", "price": 1e400}, {"price"}),
        ({"name": "A", "price": "1", "description": "d" * 2001}, {"description"}),
        ({"name": "A", "price": "1", "description": 7}, {"description"}),
        ({"name": "", "price": "x", "description": 7}, {"name", "price", "description"}),
    ],
)
def test_create_good_rejects_invalid_fields(client, make_user, body, bad_fields):
    response = client.post("/goods", json=body, headers=identity_headers(make_user()))
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == bad_fields


def test_create_good_rejects_duplicate_name_ignoring_case(client, make_user):
    headers = identity_headers(make_user())
    assert client.post("/goods", json={"name": "Teapot", "price": "1"}, headers=headers).status_code == 201
    response = client.post("/goods", json={"name": "TEAPOT ", "price": "2"}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def test_good_users_lists_owners_with_pagination(client, make_good, make_user):
    good = make_good("Teapot")
    users = [make_user(f"user_{i}") for i in range(3)]
    make_user("not_owner")
    for user in users:
        client.put(f"/me/goods/{good['id']}", headers=identity_headers(user))
    first = client.get(f"/goods/{good['id']}/users?limit=2").get_json()
    assert first["items"] == [{"id": u["id"], "username": u["username"]} for u in users[:2]]
    second = client.get(f"/goods/{good['id']}/users?limit=2&cursor={first['next_cursor']}").get_json()
    assert second["items"] == [{"id": users[2]["id"], "username": "user_2"}]
    assert second["next_cursor"] is None


def test_good_users_of_missing_good_is_404(client):
    assert client.get("/goods/5/users").status_code == 404


# --- what the gateway may share between visitors (gateway/conf/caching.conf) ---


def shared_until(response) -> int | None:
    """The second until which the gateway may share this answer, or None when it may not."""
    mark = response.headers.get("X-Accel-Expires")
    if mark is None:
        return None
    assert mark.startswith("@"), "an absolute time: never longer than the rest of this second"
    return int(mark[1:])


def test_a_search_and_a_goods_page_may_be_shared_for_the_rest_of_this_second(client, make_good):
    good = make_good(name="Shareable lamp")
    before = int(time.time())
    marks = [
        shared_until(client.get("/goods?q=Shareable")),
        shared_until(client.get(f"/goods/{good['id']}")),
    ]
    assert all(mark is not None and before <= mark <= time.time() for mark in marks), marks


def test_lists_errors_and_writes_are_never_marked_shareable(client, make_good, make_user):
    good = make_good(name="Private lamp")
    signed_in = identity_headers(make_user())
    answers = [
        client.get("/goods"),
        client.get("/goods?q="),
        client.get("/goods?q=%20%20"),
        client.get("/goods/2147483000"),  # 404
        client.get("/goods?q=" + "x" * 500),  # 422
        client.get(f"/goods/{good['id']}/users"),
        client.post("/goods", json={"name": "Another lamp", "price": "1.00"}, headers=signed_in),
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 404, 422, 200, 201]
    assert [shared_until(answer) for answer in answers] == [None] * len(answers)
