"""The sid cookie: flags, signature, nothing but an id, and a new id at sign-in."""

import pytest
from session_helpers import calls_delta, command_calls, csrf, login, sid_cookie, store_key


def set_cookie_header(response, name):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, headers
    return headers[0]


def test_sid_cookie_is_httponly_lax_host_only_and_path_root(client, catalog):
    header = set_cookie_header(login(client), "sid")
    attributes = [part.strip().lower() for part in header.split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    assert "path=/" in attributes
    assert not any(a.startswith("domain=") for a in attributes)
    assert "secure" not in attributes  # SESSION_COOKIE_SECURE defaults to false
    assert any(a.startswith("expires=") for a in attributes)


def test_sid_cookie_is_secure_when_configured(redis_client, redis_url, catalog):
    from session_helpers import make_config
    from session_service import create_app

    client = create_app(make_config(redis_url, cookie_secure=True)).test_client()
    header = login(client).headers.getlist("Set-Cookie")
    assert all("; Secure" in h for h in header)


def test_cookie_carries_only_a_signed_id(client, catalog, redis_client):
    login(client)
    value = sid_cookie(client)
    sid, signature = value.rsplit(".", 1)
    assert len(sid) == 43 and signature
    assert "alice" not in value
    assert redis_client.exists(store_key(value))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda v: v[:-2] + ("AA" if not v.endswith("AA") else "BB"),  # signature changed
        lambda v: ("A" if v[0] != "A" else "B") + v[1:],  # id changed, old signature
        lambda v: v.rsplit(".", 1)[0],  # signature stripped
        lambda v: "x" * 43 + ".forged",
    ],
    ids=["bad-signature", "bad-id", "unsigned", "forged"],
)
def test_tampered_cookie_is_rejected_without_asking_redis(client, catalog, redis_client, mangle):
    login(client)
    tampered = mangle(sid_cookie(client))
    stranger = client.application.test_client()
    stranger.set_cookie("sid", tampered)
    before = command_calls(redis_client)
    response = stranger.get("/me")
    after = command_calls(redis_client)
    assert response.status_code == 401
    assert calls_delta(before, after) == {}  # not even a GET


def test_valid_cookie_reads_redis_once(client, catalog, redis_client):
    login(client)
    before = command_calls(redis_client)
    assert client.get("/me").status_code == 200
    delta = calls_delta(before, command_calls(redis_client))
    assert delta == {"getex": 1}  # one round trip: the read also resets the idle TTL


def test_login_issues_a_new_id_and_drops_the_old_one(client, catalog, redis_client):
    client.get("/csrf")  # anonymous session first
    before = sid_cookie(client)
    assert redis_client.exists(store_key(before))
    login(client)
    after = sid_cookie(client)
    assert store_key(after) != store_key(before)
    assert not redis_client.exists(store_key(before))
    assert redis_client.exists(store_key(after))


def test_old_cookie_is_useless_after_login(client, catalog):
    token = client.get("/csrf").get_json()["csrf_token"]
    old = sid_cookie(client)
    login(client)
    other = client.application.test_client()
    other.set_cookie("sid", old)
    assert other.get("/me").status_code == 401
    assert other.put("/data/x", json={"value": 1}, headers=csrf(token)).status_code == 403


def test_unknown_but_correctly_signed_id_gets_no_session(app, client, redis_client):
    forged = app.session_interface.sign_sid("A" * 43)
    client.set_cookie("sid", forged)
    assert client.get("/me").status_code == 401
    assert not redis_client.exists("sess:" + "A" * 43)
