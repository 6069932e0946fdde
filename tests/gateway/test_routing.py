"""The gateway in front of fake services: routing, identity, errors, limits and headers."""

import re
import time

import pytest
import requests
from shop_stack.system import free_port

from .support import unreached

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
GOOD_SESSION = {"Cookie": "sid=good"}


def assert_security_headers(response: requests.Response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "Permissions-Policy" in response.headers
    assert response.headers["Server"] == "nginx"  # server_tokens off: no version
    assert re.fullmatch(r"[A-Za-z0-9._-]{8,64}", response.headers["X-Request-ID"])


def assert_json_error(response: requests.Response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]
    assert_security_headers(response)
    return error


# --- routing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "service", "upstream_path"),
    [
        ("/api/catalog/goods?q=te%20a&limit=2", "catalog", "/goods?q=te%20a&limit=2"),
        ("/api/catalog/goods/7", "catalog", "/goods/7"),
        ("/api/catalog/users/availability?username=al", "catalog", "/users/availability?username=al"),
        ("/api/catalog/goods/caf%C3%A9", "catalog", "/goods/caf%C3%A9"),
        ("/api/session/me", "session", "/me"),
        ("/api/session/data/recent_goods", "session", "/data/recent_goods"),
    ],
)
def test_api_prefix_is_stripped(gateway, catalog, session, path, service, upstream_path):
    response = requests.get(gateway.url + path, timeout=5)
    assert response.status_code == 200
    assert response.json()["service"] == service
    got = (catalog if service == "catalog" else session).last()
    assert got["path"] == upstream_path
    assert_security_headers(response)


def test_proxied_request_carries_host_forwarding_and_keepalive_headers(gateway, catalog):
    requests.get(f"{gateway.url}/api/catalog/goods", timeout=5)
    headers = catalog.last()["headers"]
    assert headers["host"] == f"127.0.0.1:{gateway.port}"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["x-forwarded-proto"] == "http"
    assert "connection" not in headers  # no "Connection: close": the upstream link is reused
    assert catalog.last()["version"] == "HTTP/1.1"


def test_upstream_json_error_passes_through_untouched(gateway):
    response = requests.get(f"{gateway.url}/api/catalog/missing", timeout=5)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "catalog says no"}}
    assert_security_headers(response)


def test_identity_and_request_id_from_services_are_not_sent_to_the_browser(gateway):
    response = requests.get(f"{gateway.url}/api/catalog/goods", timeout=5)
    assert "X-Identity" not in response.headers
    assert "," not in response.headers["X-Request-ID"]  # one id, the gateway's


# --- identity -----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/catalog/goods", "/api/catalog/goods/", "/api/catalog/users/1"])
def test_public_catalog_routes_need_no_sign_in_and_drop_a_forged_identity(gateway, catalog, session, path):
    with unreached(session, what="an /auth round trip for a public route"):
        response = requests.get(f"{gateway.url}{path}", headers={"X-Identity": "forged"}, timeout=5)
    assert response.status_code == 200
    assert "x-identity" not in catalog.last()["headers"]


# catalog-service routes /goods/ like /goods (strict_slashes off), so both spellings are guarded
@pytest.mark.parametrize("path", ["/api/catalog/goods", "/api/catalog/goods/", "/api/catalog/goods/?x=1"])
def test_creating_a_good_needs_sign_in(gateway, catalog, path):
    with unreached(catalog, what="an unauthenticated create reached catalog-service"):
        response = requests.post(f"{gateway.url}{path}", json={"name": "x"}, timeout=5)
    assert_json_error(response, 401, "unauthorized")


def test_creating_a_good_without_csrf_token_is_forbidden(gateway):
    response = requests.post(
        f"{gateway.url}/api/catalog/goods", json={"name": "x"}, headers=GOOD_SESSION, timeout=5
    )
    error = assert_json_error(response, 403, "forbidden")
    assert "CSRF" in error["message"]


def test_signed_in_post_reaches_catalog_with_the_asserted_identity(gateway, catalog, session):
    response = requests.post(
        f"{gateway.url}/api/catalog/goods",
        json={"name": "x"},
        headers={
            **GOOD_SESSION,
            "X-CSRF-Token": "tok",
            "X-Identity": "forged",
            "X-Request-ID": "abcdef0123456789abcdef0123456789",  # a trace id: kept
        },
        timeout=5,
    )
    assert response.status_code == 200
    got = catalog.last()
    assert (got["method"], got["path"]) == ("POST", "/goods")
    assert got["headers"]["x-identity"] == "assertion-for-7"
    assert got["body"] == b'{"name": "x"}'
    auth = session.last()
    assert (auth["method"], auth["path"]) == ("GET", "/auth")
    assert auth["headers"]["x-original-method"] == "POST"
    assert auth["headers"]["x-csrf-token"] == "tok"
    assert auth["headers"]["cookie"] == "sid=good"
    assert auth["headers"]["x-request-id"] == "abcdef0123456789abcdef0123456789"
    assert auth["body"] == b""
    assert "x-identity" not in auth["headers"]


@pytest.mark.parametrize(
    ("method", "path", "upstream_path"),
    [
        ("GET", "/api/catalog/me/goods?q=a", "/me/goods?q=a"),
        ("PUT", "/api/catalog/me/goods/3", "/me/goods/3"),
        ("DELETE", "/api/catalog/me/goods/3", "/me/goods/3"),
    ],
)
def test_me_routes_need_sign_in_and_get_the_identity(gateway, catalog, method, path, upstream_path):
    anonymous = requests.request(method, gateway.url + path, timeout=5)
    assert_json_error(anonymous, 401, "unauthorized")

    headers = {**GOOD_SESSION, "X-CSRF-Token": "tok", "X-Identity": "forged"}
    response = requests.request(method, gateway.url + path, headers=headers, timeout=5)
    assert response.status_code == 200
    got = catalog.last()
    assert (got["method"], got["path"]) == (method, upstream_path)
    assert got["headers"]["x-identity"] == "assertion-for-7"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_missing_good_on_a_me_route_stays_the_services_json_404(gateway, catalog, method):
    headers = {**GOOD_SESSION, "X-CSRF-Token": "tok"}
    response = requests.request(method, f"{gateway.url}/api/catalog/me/goods/0", headers=headers, timeout=5)
    assert response.status_code == 404  # the gateway neither refuses the method nor rewrites the answer
    assert response.json() == {"error": {"code": "not_found", "message": "catalog says no"}}
    assert (catalog.last()["method"], catalog.last()["path"]) == (method, "/me/goods/0")


def test_session_routes_drop_a_forged_identity(gateway, session):
    requests.get(f"{gateway.url}/api/session/me", headers={"X-Identity": "forged"}, timeout=5)
    assert "x-identity" not in session.last()["headers"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/catalog/internal/credentials/verify",
        "/api/catalog/internal",
        "/api/catalog//internal/credentials/verify",
        "/api/catalog/%69nternal/credentials/verify",
        "/api/catalog/goods/../internal/credentials/verify",
        "/api/session/auth",
        "/api/session/auth/",
        "/api/session//auth",
        "/_signed_in/api/catalog/goods",
        "/_auth",
    ],
)
def test_internal_routes_are_unreachable(gateway, catalog, session, path):
    for method in ("GET", "POST"):
        with unreached(catalog, session):
            response = requests.request(method, gateway.url + path, headers=GOOD_SESSION, timeout=5)
        if path.startswith("/api/") or method == "GET":
            assert_json_error(response, 404, "not_found")
        else:  # an internal location, or the static UI, which takes no POST
            assert response.status_code in (404, 405)
            assert_json_error(response, response.status_code, response.json()["error"]["code"])


def test_unknown_api_route_is_a_json_404(gateway):
    assert_json_error(requests.get(f"{gateway.url}/api/unknown", timeout=5), 404, "not_found")


# nginx picks an answer's Content-Type from the URI's extension unless the error location resets
# its types: /index.html would give a JSON body labelled text/html.
@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("POST", "/", 405, "method_not_allowed"),
        ("DELETE", "/index.html", 405, "method_not_allowed"),
        ("POST", "/internal/credentials/verify", 405, "method_not_allowed"),
        ("PUT", "/scripts/app.js?v=1", 405, "method_not_allowed"),
        ("GET", "/scripts/nope.js?v=1", 404, "not_found"),
        ("GET", "/api/nope.html", 404, "not_found"),
        ("GET", "/api/catalog/internal/secret.css", 404, "not_found"),
    ],
)
def test_every_gateway_error_is_labelled_json_whatever_the_path(gateway, method, path, status, code):
    response = requests.request(method, gateway.url + path, timeout=5)
    assert_json_error(response, status, code)
    assert response.headers["Content-Type"] == "application/json"


# --- request id -------------------------------------------------------------------------------


def test_well_formed_request_id_is_kept(gateway, catalog):
    # well-formed: a W3C trace id, since the request id is the trace id too (test_trace_context.py)
    kept = "0af7651916cd43dd8448eb211c80319c"
    response = requests.get(f"{gateway.url}/api/catalog/goods", headers={"X-Request-ID": kept}, timeout=5)
    assert response.headers["X-Request-ID"] == kept
    assert catalog.last()["headers"]["x-request-id"] == kept


@pytest.mark.parametrize(
    "bad", ["short", "has space in it", "x" * 65, 'quote"quote"', "plain-but-no-trace-id"]
)
def test_malformed_request_id_is_replaced(gateway, catalog, bad):
    response = requests.get(f"{gateway.url}/api/catalog/goods", headers={"X-Request-ID": bad}, timeout=5)
    new_id = response.headers["X-Request-ID"]
    assert new_id != bad
    assert re.fullmatch(r"[0-9a-f]{32}", new_id)
    assert catalog.last()["headers"]["x-request-id"] == new_id


def test_request_id_is_in_the_access_log(gateway):
    logged = "10660ed1d0000000000000000000042a"
    requests.get(f"{gateway.url}/api/catalog/goods", headers={"X-Request-ID": logged}, timeout=5)
    deadline = time.monotonic() + 5  # nginx logs after the answer, in blocks at least once a second
    while f'"request_id":"{logged}"' not in gateway.output() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert f'"request_id":"{logged}"' in gateway.output()  # the JSON log (test_access_log.py)


# --- cross-site requests --------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_cross_site_unsafe_request_is_forbidden(gateway, session, headers):
    with unreached(session):
        response = requests.post(f"{gateway.url}/api/session/logout", headers=headers, timeout=5)
    error = assert_json_error(response, 403, "forbidden")
    assert "Cross-site" in error["message"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": "{own}"},
        {"Origin": "{own}", "Sec-Fetch-Site": "same-origin"},
    ],
)
def test_same_origin_unsafe_request_passes(gateway, headers):
    headers = {k: v.format(own=gateway.url) for k, v in headers.items()}
    response = requests.post(f"{gateway.url}/api/session/logout", headers=headers, timeout=5)
    assert response.status_code == 200


def test_cross_site_safe_request_passes(gateway):
    headers = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    assert requests.get(f"{gateway.url}/api/catalog/goods", headers=headers, timeout=5).status_code == 200


# --- limits ----------------------------------------------------------------------------------


def test_body_over_64k_is_a_json_413(gateway, catalog):
    with unreached(catalog):
        response = requests.put(
            f"{gateway.url}/api/catalog/me/goods/1", data=b"x" * (65 * 1024), headers=GOOD_SESSION, timeout=5
        )
    assert_json_error(response, 413, "payload_too_large")


def test_body_up_to_64k_is_accepted(gateway, catalog):
    response = requests.post(f"{gateway.url}/api/session/login", data=b"x" * (64 * 1024), timeout=5)
    assert response.status_code == 200


def test_login_is_rate_limited_per_address(start_gateway, catalog, session):
    gw = start_gateway(catalog.address, session.address, LOGIN_RATE="1r/m", LOGIN_BURST="2")
    statuses = [
        requests.post(f"{gw.url}/api/session/login", json={}, timeout=5).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = requests.post(f"{gw.url}/api/session/login", json={}, timeout=5)
    assert_json_error(limited, 429, "rate_limited")
    # Only login is limited.
    assert requests.post(f"{gw.url}/api/session/logout", timeout=5).status_code == 200
    assert requests.get(f"{gw.url}/api/session/me", timeout=5).status_code == 200


def test_behind_a_trusted_proxy_the_login_limit_counts_per_client(start_gateway, catalog, session):
    """REAL_IP_FROM: X-Real-IP from the proxy in front names the client; from anyone else it is ignored."""

    def login(gw, client):
        headers = {"X-Real-IP": client}
        return requests.post(f"{gw.url}/api/session/login", json={}, headers=headers, timeout=5).status_code

    limit = {"LOGIN_RATE": "1r/m", "LOGIN_BURST": "1"}  # two attempts, then 429
    plain = start_gateway(catalog.address, session.address, **limit)
    statuses = [login(plain, client) for client in ("203.0.113.1", "203.0.113.2", "203.0.113.3")]
    assert statuses == [200, 200, 429]  # one client for the gateway: the connection's address
    trusting = start_gateway(catalog.address, session.address, **limit, REAL_IP_FROM="127.0.0.1")
    statuses = [login(trusting, client) for client in ("203.0.113.1",) * 3 + ("203.0.113.2",)]
    assert statuses == [200, 200, 429, 200]


# --- upstream failures ---------------------------------------------------------------------


def test_unreachable_service_is_a_json_502(start_gateway, session):
    gw = start_gateway(f"127.0.0.1:{free_port()}", session.address)
    assert_json_error(requests.get(f"{gw.url}/api/catalog/goods", timeout=5), 502, "bad_gateway")
    assert requests.get(f"{gw.url}/api/session/me", timeout=5).status_code == 200


def test_unreachable_session_service_fails_protected_routes_closed(start_gateway, catalog):
    gw = start_gateway(catalog.address, f"127.0.0.1:{free_port()}")
    with unreached(catalog):
        response = requests.get(f"{gw.url}/api/catalog/me/goods", headers=GOOD_SESSION, timeout=5)
    assert_json_error(response, 500, "internal_error")


# --- static UI -------------------------------------------------------------------------------


def test_index_is_served_uncached_with_security_headers(gateway):
    for path in ("/", "/index.html", "/some/client/route"):
        response = requests.get(gateway.url + path, headers={"Accept-Encoding": "gzip"}, timeout=5)
        assert response.status_code == 200
        assert "<title>shop</title>" in response.text
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["Content-Encoding"] == "gzip"
        assert_security_headers(response)


def test_versioned_asset_is_cached_for_a_year(gateway):
    response = requests.get(f"{gateway.url}/scripts/app.js?v=3", timeout=5)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert_security_headers(response)


def test_unversioned_asset_is_revalidated(gateway):
    response = requests.get(f"{gateway.url}/scripts/app.js", timeout=5)
    assert response.headers["Cache-Control"] == "no-cache"


def test_missing_asset_is_a_404_not_the_app_shell(gateway):
    response = requests.get(f"{gateway.url}/scripts/nope.js?v=1", timeout=5)
    assert response.status_code == 404
    assert "Cache-Control" not in response.headers
    assert_security_headers(response)


def test_api_answers_are_not_compressed(gateway):
    response = requests.get(
        f"{gateway.url}/api/catalog/goods", headers={"Accept-Encoding": "gzip"}, timeout=5
    )
    assert "Content-Encoding" not in response.headers


def test_healthz_answers_without_upstreams(start_gateway):
    gw = start_gateway(f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}")
    response = requests.get(f"{gw.url}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
