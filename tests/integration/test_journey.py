"""The full journey a person takes through the gateway, as the browser's XHR calls make it."""

from stack_client import Browser, Stack


def test_register_sign_in_search_view_add_list_remove_sign_out(stack: Stack, unique_name: str) -> None:
    browser = Browser(stack.gateway_url)

    availability = browser.get("/api/catalog/users/availability", params={"username": unique_name})
    assert availability.json() == {"available": True, "reason": None}
    user = browser.sign_up(unique_name)
    assert user["username"] == unique_name
    taken = browser.get("/api/catalog/users/availability", params={"username": unique_name.upper()})
    assert taken.json()["available"] is False

    login = browser.sign_in(unique_name, remember=True)
    assert login["user"] == {"id": user["id"], "username": unique_name}
    me = browser.get("/api/session/me")
    assert me.status_code == 200
    assert me.json()["user"]["username"] == unique_name

    good_name = f"Journey lamp {unique_name}"
    created = browser.post("/api/catalog/goods", json={"name": good_name, "price": "12.50"})
    assert created.status_code == 201, created.text
    good = created.json()
    assert good["price"] == "12.50"

    suggestions = browser.get("/api/catalog/goods", params={"q": good_name[:12], "limit": 50})
    assert good["id"] in [item["id"] for item in suggestions.json()["items"]]
    viewed = browser.get(f"/api/catalog/goods/{good['id']}")
    assert viewed.json()["owners_count"] == 0

    assert browser.get(f"/api/catalog/me/goods/{good['id']}").status_code == 404  # not mine yet
    added = browser.put(f"/api/catalog/me/goods/{good['id']}")
    assert added.status_code == 201
    assert added.json()["owners_count"] == 1
    assert browser.get(f"/api/catalog/me/goods/{good['id']}").json() == {
        key: value for key, value in added.json().items() if key != "owners_count"
    }
    again = browser.put(f"/api/catalog/me/goods/{good['id']}")
    assert again.status_code == 200
    mine = browser.get("/api/catalog/me/goods").json()["items"]
    assert [item["id"] for item in mine] == [good["id"]]
    owners = browser.get(f"/api/catalog/goods/{good['id']}/users").json()["items"]
    assert owners == [{"id": user["id"], "username": unique_name}]

    removed = browser.delete(f"/api/catalog/me/goods/{good['id']}")
    assert removed.status_code == 200
    assert removed.json() == {"id": good["id"], "owners_count": 0}
    assert browser.get("/api/catalog/me/goods").json()["items"] == []

    assert browser.post("/api/session/logout").status_code == 204
    assert browser.get("/api/session/me").status_code == 401
    assert browser.get("/api/catalog/me/goods").status_code == 401
    # remember-me outlives the session: the sign-in form can prefill the name
    assert browser.get("/api/session/remembered").json() == {"username": unique_name}


def test_demo_data_is_loaded(browser: Browser) -> None:
    goods = browser.get("/api/catalog/goods", params={"limit": 50}).json()["items"]
    assert len(goods) >= 20
    browser.sign_in("alice", "alice-demo-1")
    assert browser.get("/api/catalog/me/goods").json()["items"], "alice owns some demo goods"


def test_recently_viewed_goods_live_in_the_server_side_session(browser: Browser) -> None:
    browser.csrf_token = browser.get("/api/session/csrf").json()["csrf_token"]
    recent = [{"id": 3, "name": "Kettle"}, {"id": 1, "name": "Lamp"}]
    saved = browser.put("/api/session/data/recent_goods", json={"value": recent})
    assert saved.status_code == 200, saved.text
    assert browser.get("/api/session/data/recent_goods").json() == {"key": "recent_goods", "value": recent}
    cookie = browser.cookies.get("sid")
    assert cookie and "Kettle" not in cookie, "the cookie carries only the signed session id"
