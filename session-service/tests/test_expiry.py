"""Idle timeout refreshed on activity, capped by the absolute lifetime; both enforced with Redis TTLs."""

import json
import time

import pytest
from session_helpers import csrf, login, make_config, sid_cookie, store_key
from session_service import create_app

IDLE, ABSOLUTE = 600, 3600


@pytest.fixture
def app(redis_url, redis_client):
    return create_app(make_config(redis_url, idle_timeout=IDLE, absolute_lifetime=ABSOLUTE))


def shift_created(redis_client, key, seconds_ago):
    """Pretend the session was created `seconds_ago`, keeping its TTL."""
    record = json.loads(redis_client.get(key))
    record["created"] = int(time.time()) - seconds_ago
    redis_client.set(key, json.dumps(record), keepttl=True)


def test_new_sessions_get_the_idle_ttl(client, catalog, redis_client):
    login(client)
    ttl = redis_client.ttl(store_key(sid_cookie(client)))
    assert IDLE - 5 <= ttl <= IDLE


def test_anonymous_sessions_get_a_ttl_too(client, redis_client):
    client.get("/csrf")
    assert IDLE - 5 <= redis_client.ttl(store_key(sid_cookie(client))) <= IDLE


@pytest.mark.parametrize("activity", ["/me", "/data", "/csrf"])
def test_activity_refreshes_the_idle_ttl(client, catalog, redis_client, activity):
    login(client)
    key = store_key(sid_cookie(client))
    redis_client.expire(key, 10)
    assert client.get(activity).status_code == 200
    assert redis_client.ttl(key) >= IDLE - 5


def test_writes_refresh_the_idle_ttl(client, catalog, redis_client):
    token = login(client).get_json()["csrf_token"]
    key = store_key(sid_cookie(client))
    redis_client.expire(key, 10)
    assert client.put("/data/k", json={"value": 1}, headers=csrf(token)).status_code == 200
    assert redis_client.ttl(key) >= IDLE - 5


def test_absolute_lifetime_caps_the_ttl(client, catalog, redis_client):
    login(client)
    key = store_key(sid_cookie(client))
    shift_created(redis_client, key, ABSOLUTE - 30)
    assert client.get("/me").status_code == 200
    assert 0 < redis_client.ttl(key) <= 30


def test_session_past_its_absolute_lifetime_is_over(client, catalog, redis_client):
    login(client)
    shift_created(redis_client, store_key(sid_cookie(client)), ABSOLUTE + 1)
    assert client.get("/me").status_code == 401


def test_cookie_expires_at_the_absolute_deadline(client, catalog):
    login(client)
    expires = client.get_cookie("sid").expires
    assert abs(expires.timestamp() - (time.time() + ABSOLUTE)) < 5
