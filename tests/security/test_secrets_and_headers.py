"""Passwords only as hashes, no secrets in logs, equal answers for bad logins, headers on every answer."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from typing import Any

import pytest
import requests
from stack_client import Browser

SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=()",
}


def login_direct(stack: Any, username: str, password: str) -> tuple[float, requests.Response]:
    started = time.perf_counter()
    response = requests.post(
        f"{stack.session_url}/login",
        json={"username": username, "password": password},
        headers={"X-Requested-With": "XMLHttpRequest"},
        timeout=10,
    )
    return time.perf_counter() - started, response


def test_unknown_user_and_wrong_password_look_the_same(stack: Any, unique_name: str) -> None:
    """Straight to session-service (the gateway's login limit would interfere); interleaved, 10 each."""
    Browser(stack.gateway_url).sign_up(unique_name)
    unknown_times, wrong_times, bodies = [], [], set()
    for attempt in range(10):
        elapsed, response = login_direct(stack, f"nobody_{uuid.uuid4().hex[:10]}", "wrong-password-1")
        unknown_times.append(elapsed)
        assert response.status_code == 401
        bodies.add((response.json()["error"]["code"], response.json()["error"]["message"]))
        elapsed, response = login_direct(stack, unique_name, f"wrong-password-{attempt}")
        wrong_times.append(elapsed)
        assert response.status_code == 401
        bodies.add((response.json()["error"]["code"], response.json()["error"]["message"]))
    assert len(bodies) == 1, f"different answers: {bodies}"
    unknown, wrong = statistics.median(unknown_times), statistics.median(wrong_times)
    ratio = max(unknown, wrong) / min(unknown, wrong)
    assert ratio < 2.0, f"median unknown user {unknown * 1000:.0f} ms vs wrong password {wrong * 1000:.0f} ms"


def test_passwords_are_stored_only_as_argon2_hashes(stack: Any, sql: Any, unique_name: str) -> None:
    password = "Pw-" + uuid.uuid4().hex
    browser = Browser(stack.gateway_url)
    browser.sign_up(unique_name, password)
    browser.sign_in(unique_name, password)
    rows = sql("SELECT password_hash FROM users WHERE username = %s", (unique_name,))
    assert len(rows) == 1
    assert str(rows[0][0]).startswith("$argon2id$")
    assert password not in str(rows[0][0])
    # nowhere else in the row either, nor in any column of any user
    leaked = sql("SELECT count(*) FROM users u WHERE u::text LIKE %s", (f"%{password}%",))
    assert int(leaked[0][0]) == 0
    demo = sql("SELECT username, password_hash FROM users WHERE password_hash NOT LIKE %s", ("$argon2id$%",))
    assert demo == [], f"users with a non-argon2 password_hash: {[r[0] for r in demo]}"


def test_no_secret_or_password_reaches_a_log_line(
    stack: Any, unique_name: str, secrets_in_use: dict[str, str], all_logs: Any
) -> None:
    password = "Pw-" + uuid.uuid4().hex
    browser = Browser(stack.gateway_url)
    browser.sign_up(unique_name, password)
    browser.sign_in(unique_name, password)
    browser.put("/api/session/data/logged", json={"value": "x"})
    # failures log too: a wrong password, a password as the username, a bad internal call
    login_direct(stack, unique_name, password + "-wrong")
    login_direct(stack, password, password)
    requests.post(
        f"{stack.catalog_url}/internal/credentials/verify",
        json={"username": unique_name, "password": password},
        headers={"X-Internal-Secret": "wrong"},
        timeout=10,
    )
    time.sleep(2.0)  # let the services and the gateway (a block at least once a second) write their lines
    logs = all_logs()
    assert unique_name in logs or "signed in" in logs, "the logs do not seem to be the stack's"
    secrets = {
        **secrets_in_use,
        "password": password,
        "session cookie": browser.cookies["sid"],
        "CSRF token": browser.csrf_token,
        # every identity assertion starts with base64url('{"uid":'), whoever it names
        "identity assertion": "eyJ1aWQiOj",
    }
    # LOG_FORMAT=json escapes what it writes; a secret must not show up in that form either
    found = [
        name
        for name, value in secrets.items()
        if value and (value in logs or json.dumps(value)[1:-1] in logs)
    ]
    assert not found, f"found in the logs: {found}"


def test_cookies_carry_their_flags_on_set_and_on_delete(stack: Any, unique_name: str) -> None:
    browser = Browser(stack.gateway_url)
    browser.sign_up(unique_name)
    seen: list[str] = []
    anonymous = browser.get("/api/session/csrf")
    seen += anonymous.raw.headers.getlist("Set-Cookie")
    login = browser.post(
        "/api/session/login", json={"username": unique_name, "password": "correct-horse-1", "remember": True}
    )
    browser.csrf_token = login.json()["csrf_token"]
    seen += login.raw.headers.getlist("Set-Cookie")
    seen += browser.delete("/api/session/remembered").raw.headers.getlist("Set-Cookie")
    seen += browser.post("/api/session/logout").raw.headers.getlist("Set-Cookie")
    names = {cookie.split("=", 1)[0] for cookie in seen}
    assert names == {"sid", "remembered_username"}, seen
    assert len(seen) >= 5, seen  # anonymous sid, login sid + remember, remember deleted, sid deleted
    for cookie in seen:
        attributes = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert "httponly" in attributes, cookie
        assert "samesite=lax" in attributes, cookie
        assert "path=/" in attributes, cookie
        assert not any(a.startswith("domain") for a in attributes), cookie


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/", {}, 200),
        ("GET", "/scripts/nope.js", {}, 404),
        ("GET", "/api/catalog/goods", {}, 200),
        ("GET", "/api/catalog/goods/999999999", {}, 404),
        ("GET", "/api/catalog/goods?limit=999", {}, 422),
        ("GET", "/api/catalog/goods?cursor=%25", {}, 400),
        ("GET", "/api/catalog/me/goods", {}, 401),
        ("PUT", "/api/catalog/me/goods/1", {"headers": {"Origin": "https://evil.example"}}, 403),
        ("POST", "/api/catalog/users", {"data": "x" * 70_000}, 413),
        ("POST", "/api/catalog/users", {"data": "x", "headers": {"Content-Type": "text/plain"}}, 415),
        ("PATCH", "/api/catalog/goods/1", {}, 405),
        ("GET", "/api/session/me", {}, 401),
        ("GET", "/api/session/data/bad key!", {}, 422),
        ("GET", "/api/catalog/internal/credentials/verify", {}, 404),
        ("GET", "/api/nope", {}, 404),
        ("GET", "/api/catalog/goods/%00", {}, 400),
        ("GET", "/api/catalog/goods?q=" + "x" * 20_000, {}, 414),
        ("GET", "/api/catalog/goods", {"headers": {"X-Filler": "x" * 20_000}}, 400),
    ],
)
def test_security_headers_on_every_answer(
    stack: Any, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = requests.request(method, stack.gateway_url + path, timeout=10, **kwargs)
    assert response.status_code == status, response.text[:200]
    for header, expected in SECURITY_HEADERS.items():
        assert expected in response.headers.get(header, ""), (header, dict(response.headers))
    assert response.headers.get("X-Request-ID")
    assert "X-Identity" not in response.headers
    assert response.headers.get("Server", "nginx") == "nginx", "the Server header names a version"
    if path.startswith("/api/"):
        assert response.headers["Content-Type"].startswith("application/json"), response.headers
        assert response.json()["error"]["code"] if status >= 400 else True


INTERNAL = "/internal/credentials/verify"


@pytest.mark.parametrize(
    "path",
    [
        "/api/catalog" + INTERNAL + "/",
        "/api/catalog" + INTERNAL + "?x=1",
        "/api/catalog/./internal/credentials/verify",
        "/api/catalog//internal/credentials/verify",
        "//api/catalog/internal/credentials/verify",
        "/api/catalog/%2e/internal/credentials/verify",
        "/api/catalog/internal%2Fcredentials%2Fverify",
        "/api/catalog/%2Finternal/credentials/verify",
        "/api/catalog/internal;/credentials/verify",
        "/api/catalog/me/../internal/credentials/verify",
        "/api/catalog/goods/../internal/credentials/verify",
        "/api/session/../catalog/internal/credentials/verify",
        "/api/session//auth",
        "/api/session/./auth",
        "/api/session/%61uth",
        "/api/session/auth?x=1",
        "/api/session/me/../auth",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_internal_routes_stay_unreachable(
    stack: Any, signed_in: Browser, internal_secret: str, path: str, method: str
) -> None:
    """Even with a session and the secret itself in the request, the gateway never reaches them."""
    response = signed_in.request(
        method,
        path,
        json={"username": "alice", "password": "alice-demo-1"},
        headers={"X-Internal-Secret": internal_secret, "X-Original-Method": "GET"},
    )
    assert response.status_code in (400, 404), (response.status_code, response.text[:200])
    assert "X-Identity" not in response.headers
    assert response.json()["error"]["code"] in ("not_found", "bad_request")
