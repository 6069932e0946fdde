"""What the gateway itself promises: routes, identity, CSRF, JSON errors, headers."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from stack_client import LOGIN_BURST, LOGIN_RATE, Browser, Stack

PUBLIC_ROUTES = [
    ("GET", "/api/catalog/goods"),
    ("GET", "/api/catalog/goods/1"),
    ("GET", "/api/catalog/goods/1/users"),
    ("GET", "/api/catalog/users/1"),
    ("GET", "/api/catalog/users/1/goods"),
    ("GET", "/api/catalog/users/availability?username=someone_new"),
    ("GET", "/api/catalog/healthz"),
    ("GET", "/api/catalog/openapi.json"),
    ("GET", "/api/session/csrf"),
    ("GET", "/api/session/remembered"),
    ("GET", "/api/session/data"),
    ("GET", "/api/session/healthz"),
    ("GET", "/api/session/openapi.json"),
]
SIGNED_IN_ROUTES = [
    ("GET", "/api/catalog/me/goods"),
    ("PUT", "/api/catalog/me/goods/1"),
    ("DELETE", "/api/catalog/me/goods/1"),
    ("POST", "/api/catalog/goods"),
    ("GET", "/api/session/me"),
]
SECURITY_HEADERS = ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy"]


@pytest.mark.parametrize(("method", "path"), PUBLIC_ROUTES)
def test_public_routes_answer_through_the_gateway(browser: Browser, method: str, path: str) -> None:
    response = browser.request(method, path)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("method", "path"), SIGNED_IN_ROUTES)
def test_signed_in_routes_answer_401_json_to_strangers(browser: Browser, method: str, path: str) -> None:
    response = browser.request(method, path, json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    "path",
    [
        "/api/catalog/internal/credentials/verify",
        "/api/session/auth",
        "/api/catalog/../catalog/internal/credentials/verify",
        "/api/catalog/%69nternal/credentials/verify",
    ],
)
def test_internal_routes_are_unreachable(browser: Browser, path: str) -> None:
    response = browser.post(path, json={"username": "alice", "password": "alice-demo-1"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_forged_identity_header_is_ignored(stack: Stack) -> None:
    response = requests.get(
        f"{stack.gateway_url}/api/catalog/me/goods", headers={"X-Identity": "1.forged"}, timeout=10
    )
    assert response.status_code == 401


def test_unsafe_call_without_csrf_token_is_refused(signed_in: Browser) -> None:
    refused = signed_in.put("/api/catalog/me/goods/1", headers={"X-CSRF-Token": "not-the-token"})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert signed_in.put("/api/catalog/me/goods/1").status_code in (200, 201)


def test_cross_site_post_is_refused(signed_in: Browser) -> None:
    response = signed_in.put("/api/catalog/me/goods/1", headers={"Origin": "https://evil.example"})
    assert response.status_code == 403


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_a_good_that_does_not_exist_is_a_json_404_on_me_routes(signed_in: Browser, method: str) -> None:
    response = signed_in.request(method, "/api/catalog/me/goods/0")
    assert response.status_code == 404, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/"), ("DELETE", "/index.html"), ("POST", "/internal/credentials/verify")]
)
def test_unsafe_method_on_the_ui_is_a_json_405(browser: Browser, method: str, path: str) -> None:
    response = browser.request(method, path)
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/nope", "/api/catalog/nope"])
def test_unknown_api_routes_are_json_404(browser: Browser, path: str) -> None:
    response = browser.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert all(header in response.headers for header in SECURITY_HEADERS)


def test_oversized_body_is_json_413(signed_in: Browser) -> None:
    response = signed_in.post("/api/catalog/goods", json={"name": "x" * 100_000, "price": "1"})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_request_id_is_kept_when_well_formed_and_reaches_error_bodies(browser: Browser) -> None:
    kept = "7e57000000000000000000000012345a"  # a W3C trace id: the gateway keeps only those
    response = browser.get("/api/catalog/goods/999999999", headers={"X-Request-ID": kept})
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == kept
    assert response.json()["error"]["request_id"] == kept
    replaced = browser.get("/api/catalog/goods", headers={"X-Request-ID": "bad id\tx"})
    assert replaced.headers["X-Request-ID"] != "bad id\tx"


def test_ui_is_served_with_security_headers_and_no_cache(browser: Browser) -> None:
    response = browser.get("/")
    assert response.status_code == 200
    assert "text/html" in response.headers["Content-Type"]
    assert "no-cache" in response.headers.get("Cache-Control", "")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_flags_as_a_browser_sees_them(browser: Browser, unique_name: str) -> None:
    browser.sign_up(unique_name)
    response = browser.post(
        "/api/session/login", json={"username": unique_name, "password": "correct-horse-1", "remember": True}
    )
    cookies = {c.split("=", 1)[0]: c for c in response.raw.headers.getlist("Set-Cookie")}
    assert "HttpOnly" in cookies["sid"] and "SameSite=Lax" in cookies["sid"]
    assert "Domain" not in cookies["sid"]
    assert "Max-Age=2592000" in cookies["remembered_username"]


def test_login_is_rate_limited_per_address(stack: Stack) -> None:
    client = Browser(stack.gateway_url)
    # Incomplete attempts are cheap for the services (422), so they arrive together and the
    # outcome depends on the gateway's limit alone, not on how fast passwords are checked.
    attempt = {"username": "nobody_here"}
    with ThreadPoolExecutor(max_workers=LOGIN_BURST + 10) as pool:
        responses = list(
            pool.map(lambda _: client.post("/api/session/login", json=attempt), range(LOGIN_BURST + 10))
        )
    limited = [r for r in responses if r.status_code == 429]
    assert limited, f"{len(responses)} simultaneous sign-in attempts never hit the limit"
    assert limited[0].json()["error"]["code"] == "rate_limited"
    assert {r.status_code for r in responses} == {422, 429}
    # let the bucket drain completely so the tests after this one can sign in
    per_second = int(LOGIN_RATE[:-4]) / (60 if LOGIN_RATE.endswith("/m") else 1)
    time.sleep(LOGIN_BURST / per_second + 1)
    assert client.post("/api/session/login", json=attempt).status_code == 422
