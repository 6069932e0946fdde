"""GET /auth's yes is answered in front of Flask (auth_check.py): the same answer, at less cost.

The other /auth tests (test_gateway_auth.py, test_logging.py, test_redis_faults.py) hold for
both paths; these pin what the fast path itself must keep: Flask's exact answer, one Redis
read whichever path answers, the metrics' route label, and which requests it leaves to Flask.
"""

import pytest
from flask import g
from prometheus_client import REGISTRY
from session_helpers import (
    INTERNAL_SECRET,
    calls_delta,
    command_calls,
    csrf,
    login,
    make_config,
    sid_cookie,
)
from session_service import auth_check, create_app
from shop_common.identity import HEADER, verify_identity
from shop_common.metrics import flush

RID = {"X-Request-ID": "fast-path-0001"}


@pytest.fixture
def flask_only(config, redis_client, monkeypatch):
    """The same app without the fast path: every /auth answered by the Flask view."""
    monkeypatch.setattr(auth_check, "install", lambda app: None)
    return create_app(config)


def answer(response):
    """Everything a client sees, with the identity assertion decoded (its expiry moves with the clock)."""
    headers = dict(response.headers)
    token = headers.pop(HEADER, None)
    identity = verify_identity(INTERNAL_SECRET, token) if token else None
    return response.status, response.data, headers, identity and (identity.user_id, identity.username)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("original", [{}, {"X-Original-Method": "DELETE"}], ids=["safe", "unsafe"])
def test_the_yes_is_the_one_flask_gives(app, client, flask_only, catalog, method, original):
    token = login(client).get_json()["csrf_token"]
    headers = {**RID, **original, **csrf(token)}
    other = flask_only.test_client()
    other.set_cookie("sid", sid_cookie(client))

    fast = client.open("/auth", method=method, headers=headers)
    slow = other.open("/auth", method=method, headers=headers)

    assert fast.status_code == 200
    assert answer(fast) == answer(slow)
    assert answer(fast)[3] == (1, "alice")


def test_the_yes_skips_flasks_hooks_and_every_other_answer_runs_them(app, client, catalog):
    """A hook added to the app does not see /auth's yes: what it must do there goes in auth_check.py."""
    seen = []

    @app.before_request
    def note() -> None:
        seen.append(g.request_id)

    login(client)
    seen.clear()
    assert client.get("/auth").status_code == 200
    assert seen == []
    assert client.get("/auth", headers={"X-Original-Method": "POST"}).status_code == 403
    assert app.test_client().get("/auth").status_code == 401
    assert len(seen) == 2


@pytest.mark.parametrize(
    ("incoming", "echoed"),
    [("gateway-id-12345", True), ("bad id with spaces", False), ("", False)],
)
def test_the_request_id_is_echoed_when_well_formed(client, catalog, incoming, echoed):
    login(client)
    response = client.get("/auth", headers={"X-Request-ID": incoming})
    assert response.status_code == 200
    assert (response.headers["X-Request-ID"] == incoming) is echoed
    assert len(response.headers["X-Request-ID"]) >= 8


def test_the_original_method_is_read_case_insensitively(client, catalog):
    token = login(client).get_json()["csrf_token"]
    assert client.get("/auth", headers={"X-Original-Method": "put"}).status_code == 403
    assert client.get("/auth", headers={"X-Original-Method": "put", **csrf(token)}).status_code == 200


@pytest.mark.parametrize(
    "case",
    ["no cookie", "forged cookie", "anonymous session", "wrong token"],
)
def test_redis_is_read_at_most_once_whichever_path_answers(app, client, catalog, redis_client, case):
    token = login(client).get_json()["csrf_token"]
    visitor = app.test_client()
    headers: dict[str, str] = {}
    if case == "forged cookie":
        visitor.set_cookie("sid", "forged.value")
    elif case == "anonymous session":
        visitor.get("/csrf")
    elif case == "wrong token":
        visitor, headers = client, {"X-Original-Method": "PATCH", **csrf(token + "x")}
    before = command_calls(redis_client)
    response = visitor.get("/auth", headers=headers)
    assert response.status_code == (403 if case == "wrong token" else 401)
    expected = {} if case in ("no cookie", "forged cookie") else {"get": 1}
    assert calls_delta(before, command_calls(redis_client)) == expected


def sample(name: str, labels: dict[str, str]) -> float | None:
    """A figure as a scrape shows it: the pending figures written first."""
    flush()
    return REGISTRY.get_sample_value(name, labels)


def test_yes_answers_are_counted_under_the_route(client, catalog):
    labels = {"service": "session-service", "method": "GET", "status": "200", "route": "/auth"}
    before = sample("http_requests_total", labels) or 0.0
    login(client)
    for _ in range(3):
        assert client.get("/auth").status_code == 200
    assert sample("http_requests_total", labels) == before + 3


def test_redis_down_is_flasks_503_counted_once(own_redis, catalog):
    app = create_app(make_config(own_redis.url))
    client = app.test_client()
    login(client)
    labels = {"service": "session-service", "dependency": "redis"}
    errors = sample("shop_dependency_errors_total", labels) or 0.0

    own_redis.stop()
    response = client.get("/auth", headers=RID)

    assert response.status_code == 503
    assert response.get_json()["error"] == {
        "code": "unavailable",
        "message": "The session store is unavailable; please try again shortly.",
        "request_id": RID["X-Request-ID"],
    }
    assert response.headers["X-Served-By"]
    assert sample("shop_dependency_errors_total", labels) == errors + 1


@pytest.mark.parametrize(("method", "status"), [("POST", 405), ("OPTIONS", 200)])
def test_other_methods_are_flasks(client, catalog, method, status):
    login(client)
    response = client.open("/auth", method=method)
    assert response.status_code == status
    assert HEADER not in response.headers
