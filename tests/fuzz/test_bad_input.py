"""Hostile or broken input gets a clear 4xx JSON error, directly and through the gateway, never a 5xx."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
import requests
from stack_client import Browser, new_user

ROUTES = {
    # name: (service, path) -- the gateway adds /api/<service>
    "users": ("catalog", "/users"),
    "goods": ("catalog", "/goods"),
    "data": ("session", "/data/fuzz_key"),
}


class Target:
    """One way in: straight to a service (with an identity assertion) or through the gateway."""

    def __init__(self, stack: Any, via: str, user: Browser, identity: dict[str, str]) -> None:
        self.stack, self.via, self.user, self.identity = stack, via, user, identity

    def url(self, service: str, path: str) -> str:
        if self.via == "gateway":
            return f"{self.stack.gateway_url}/api/{service}{path}"
        return (self.stack.catalog_url if service == "catalog" else self.stack.session_url) + path

    def send(self, method: str, service: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-CSRF-Token": self.user.csrf_token or "", "X-Requested-With": "XMLHttpRequest"}
        if self.via == "direct" and service == "catalog":
            headers.update(self.identity)
        headers.update(kwargs.pop("headers", {}))
        kwargs.setdefault("timeout", 10)
        return requests.request(
            method,
            self.url(service, path),
            headers=headers,
            cookies={"sid": self.user.cookies["sid"]},
            **kwargs,
        )


@pytest.fixture(scope="module")
def module_user(stack: Any) -> Browser:
    """One signed-in user for the whole module: signing up is slow on purpose (argon2)."""
    return new_user(stack.gateway_url, "bi")


@pytest.fixture(params=["direct", "gateway"])
def target(request: Any, stack: Any, module_user: Browser, identity_for: Any) -> Target:
    return Target(stack, request.param, module_user, identity_for(module_user))


def assert_json_error(response: requests.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert response.headers.get("Content-Type", "").startswith("application/json"), response.headers
    error = response.json()["error"]
    assert error["code"] and error["message"]
    return dict(error)


def write(target: Target, route: str, **kwargs: Any) -> requests.Response:
    service, path = ROUTES[route]
    method = "PUT" if route == "data" else "POST"
    return target.send(method, service, path, **kwargs)


@pytest.mark.parametrize("route", ROUTES)
def test_oversized_body_is_413(target: Target, route: str) -> None:
    body = json.dumps({"username": "x" * 100_000, "name": "x", "price": "1", "value": "x" * 100_000})
    response = write(target, route, data=body, headers={"Content-Type": "application/json"})
    assert_json_error(response, 413)


@pytest.mark.parametrize("route", ROUTES)
def test_deeply_nested_json_is_400(target: Target, route: str) -> None:
    depth = 30_000  # 60 KB: under the size limit, far over any parser's comfortable depth
    body = '{"value": ' + "[" * depth + "]" * depth + "}"
    response = write(target, route, data=body, headers={"Content-Type": "application/json"})
    # session data: the value parses nowhere near; a 413 for the size of the value is also clear
    assert_json_error(response, 400, 413)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "body",
    [b'{"username": "\xff\xfe", "name": "\xc3\x28", "price": "1", "value": "\xed\xa0\x80"}', b"\xff" * 20],
    ids=["invalid-utf8-strings", "garbage"],
)
def test_invalid_utf8_body_is_400(target: Target, route: str, body: bytes) -> None:
    response = write(target, route, data=body, headers={"Content-Type": "application/json"})
    assert_json_error(response, 400)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_wrong_content_type_is_415(target: Target, route: str, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = write(target, route, data='{"value": 1, "username": "abc", "price": "1"}', headers=headers)
    assert_json_error(response, 415)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_login_with_the_wrong_content_type_is_refused(stack: Any, content_type: str) -> None:
    for base in (stack.session_url, f"{stack.gateway_url}/api/session"):
        response = requests.post(
            f"{base}/login",
            data="username=alice&password=alice-demo-1",
            headers={"Content-Type": content_type, "X-Requested-With": "XMLHttpRequest"},
            timeout=10,
        )
        assert_json_error(response, 403, 415)


@pytest.mark.parametrize(
    "path",
    [
        "/goods?q=" + "x" * 3000,  # over q's limit, under gunicorn's 4094-byte request line
        "/goods?limit=-1",
        "/goods?limit=99999999999999999999",
        "/goods?limit=1e3",
        "/goods?limit=%EF%BC%91",  # a full-width digit one
        "/goods?cursor=" + "A" * 3000,
        "/goods?q=%00",
        "/goods?q=a%00b",
        "/goods?q=%ED%A0%80",  # an encoded lone surrogate: not UTF-8
        "/goods?cursor=" + base64.urlsafe_b64encode(b'["goods",0,"a\\u0000"]').decode().rstrip("="),
        "/goods?cursor=" + base64.urlsafe_b64encode(b'["goods",0,"\\ud800"]').decode().rstrip("="),
        "/goods?cursor=" + base64.urlsafe_b64encode(b'["goods",99999999999999999999999,"a"]').decode(),
        "/users/1/goods?cursor="
        + base64.urlsafe_b64encode(b'["owned","2024-01-01T00:00:00+00:00\\u0000",1]').decode(),
        "/users/1/goods?q=%00",
        "/users/availability?username=%00",
        "/users/availability?username=" + "a" * 3000,
    ],
)
def test_bad_query_strings_are_4xx_json(target: Target, path: str) -> None:
    response = target.send("GET", "catalog", path)
    if response.status_code == 200:  # a harmless answer is fine too (the availability check, say)
        assert response.headers["Content-Type"].startswith("application/json")
        return
    assert_json_error(response, 400, 404, 414, 422)


def test_huge_query_string_is_4xx(target: Target) -> None:
    response = target.send("GET", "catalog", "/goods?q=" + "x" * 20_000)
    assert 400 <= response.status_code < 500, response.status_code
    if target.via == "gateway":
        assert_json_error(response, 400, 414)


def test_huge_header_is_4xx(target: Target) -> None:
    response = target.send("GET", "catalog", "/goods", headers={"X-Filler": "x" * 20_000})
    assert 400 <= response.status_code < 500, response.status_code
    if target.via == "gateway":
        assert_json_error(response, 400, 431)


@pytest.mark.parametrize(
    "path",
    [
        "/goods/-1",
        "/goods/0",
        "/goods/2147483648",
        "/goods/99999999999999999999",
        "/goods/999999999999999999999999999999999",
        "/goods/1e3",
        "/goods/%00",
        "/users/-5/goods",
        "/users/99999999999999999999",
    ],
)
def test_bad_ids_are_404(target: Target, path: str) -> None:
    # the gateway refuses an encoded NUL in the path before routing: 400
    expected = (400, 404) if "%00" in path and target.via == "gateway" else (404,)
    assert_json_error(target.send("GET", "catalog", path), *expected)


@pytest.mark.parametrize("good_id", ["-1", "0", "2147483648", "99999999999999999999999"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_bad_ids_for_my_goods_are_404(target: Target, method: str, good_id: str) -> None:
    assert_json_error(target.send(method, "catalog", f"/me/goods/{good_id}"), 404)


@pytest.mark.parametrize(
    "price",
    [
        -1,
        "-0.01",
        1e308,
        "1e400",
        10**40,
        "NaN",
        "Infinity",
        "-Infinity",
        "0x10",
        "1.005",
        True,
        [],
        {},
        "",
        " ",
    ],
)
def test_bad_prices_are_422(target: Target, unique_name: str, price: Any) -> None:
    body = {"name": f"{unique_name} {target.via} {price!r}", "price": price}
    error = assert_json_error(write(target, "goods", json=body), 422)
    assert "price" in error["fields"]


def test_enormous_integer_literal_is_4xx(target: Target) -> None:
    body = '{"name": "n", "price": ' + "9" * 5000 + "}"
    assert_json_error(
        write(target, "goods", data=body, headers={"Content-Type": "application/json"}), 400, 422
    )


@pytest.mark.parametrize("field", ["name", "description"])
@pytest.mark.parametrize("bad", ["a\u0000b", "\ud800"], ids=["nul", "lone-surrogate"])
def test_unstorable_text_in_a_good_is_422(target: Target, unique_name: str, field: str, bad: str) -> None:
    body = {"name": f"{unique_name} {target.via}", "price": "1.00", field: bad}
    # json.dumps escapes the surrogate as \ud800, the way a client would send it
    response = write(target, "goods", data=json.dumps(body), headers={"Content-Type": "application/json"})
    error = assert_json_error(response, 422)
    assert field in error["fields"]


@pytest.mark.parametrize("username", ["a\u0000b", "\ud800abc", "alice\u0000", "' OR 1=1 --"])
def test_unstorable_or_hostile_login_names_are_401(stack: Any, username: str) -> None:
    body = json.dumps({"username": username, "password": "whatever-123"})
    for base in (stack.session_url, f"{stack.gateway_url}/api/session"):
        response = requests.post(
            f"{base}/login",
            data=body,
            headers={"Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest"},
            timeout=10,
        )
        assert_json_error(response, 401)


@pytest.mark.parametrize("username", ["a\u0000bcd", "\ud800abc"])
def test_unstorable_usernames_are_422_at_sign_up(target: Target, username: str) -> None:
    body = json.dumps({"username": username, "password": "long-enough-1"})
    response = write(target, "users", data=body, headers={"Content-Type": "application/json"})
    assert "username" in assert_json_error(response, 422)["fields"]


def test_password_without_a_utf8_form_is_422_at_sign_up_and_401_at_login(target: Target, stack: Any) -> None:
    name = "pw_" + uuid.uuid4().hex[:10]
    body = json.dumps({"username": name, "password": "\ud800-long-enough"})
    response = write(target, "users", data=body, headers={"Content-Type": "application/json"})
    assert "password" in assert_json_error(response, 422)["fields"]
    base = stack.session_url if target.via == "direct" else f"{stack.gateway_url}/api/session"
    login = requests.post(
        f"{base}/login",
        data=json.dumps({"username": "alice", "password": "\ud800-long-enough"}),
        headers={"Content-Type": "application/json", "X-Requested-With": "XMLHttpRequest"},
        timeout=10,
    )
    assert_json_error(login, 401)
