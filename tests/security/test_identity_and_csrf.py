"""No impersonation, no session fixation, no replay after logout, no cross-site writes."""

from __future__ import annotations

import base64
import copy
import time
from typing import Any

import pytest
import requests
from shop_common.identity import sign_identity
from stack_client import Browser, new_user


def me(browser: Browser) -> dict[str, Any]:
    return dict(browser.get("/api/session/me").json()["user"])


@pytest.fixture
def victim(stack: Any) -> Browser:
    return new_user(stack.gateway_url, "vi")


def my_goods_direct(stack: Any, identity: str | None) -> requests.Response:
    headers = {"X-Identity": identity} if identity is not None else {}
    return requests.get(f"{stack.catalog_url}/me/goods", headers=headers, timeout=10)


def test_a_valid_assertion_is_accepted_directly(stack: Any, victim: Browser, internal_secret: str) -> None:
    user = me(victim)
    assert (
        my_goods_direct(stack, sign_identity(internal_secret, user["id"], user["username"])).status_code
        == 200
    )


@pytest.mark.parametrize(
    "forge",
    [
        lambda s, u: None,
        lambda s, u: "",
        lambda s, u: "1.forged",
        lambda s, u: "a.b.c",
        lambda s, u: "x" * 2000 + "." + "y",
        lambda s, u: sign_identity("another-secret-0123456789abcdef0123", u["id"], u["username"]),
        lambda s, u: sign_identity(s, u["id"], u["username"], now=time.time() - 31),  # expired
        lambda s, u: sign_identity(s, u["id"], u["username"], ttl=0),  # expires now
        lambda s, u: sign_identity(s, u["id"], "alice"),  # id and name do not belong together
        lambda s, u: sign_identity(s, 2**31, u["username"]),
        lambda s, u: sign_identity(s, u["id"], u["username"]).split(".")[0] + ".",  # signature stripped
        # payload swapped for another user, signature kept
        lambda s, u: (
            base64.urlsafe_b64encode(b'{"uid":1,"usr":"alice","exp":9999999999}').decode().rstrip("=")
            + "."
            + sign_identity(s, u["id"], u["username"]).split(".")[1]
        ),
    ],
    ids=[
        "none",
        "empty",
        "forged",
        "three-parts",
        "oversized",
        "wrong-key",
        "expired",
        "zero-ttl",
        "name-mismatch",
        "id-out-of-range",
        "no-signature",
        "swapped-payload",
    ],
)
def test_forged_or_stale_assertions_are_401_directly(
    stack: Any, victim: Browser, internal_secret: str, forge: Any
) -> None:
    response = my_goods_direct(stack, forge(internal_secret, me(victim)))
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "unauthorized"
    # also for an unsafe call
    put = requests.put(
        f"{stack.catalog_url}/me/goods/1",
        headers={"X-Identity": forge(internal_secret, me(victim)) or ""},
        timeout=10,
    )
    assert put.status_code == 401


def test_a_client_sent_identity_never_passes_the_gateway(
    stack: Any, victim: Browser, signed_in: Browser, internal_secret: str
) -> None:
    target = me(victim)
    valid_for_victim = sign_identity(internal_secret, target["id"], target["username"])
    # without a session: 401, the header is dropped
    anonymous = requests.get(
        f"{stack.gateway_url}/api/catalog/me/goods", headers={"X-Identity": valid_for_victim}, timeout=10
    )
    assert anonymous.status_code == 401
    # with the attacker's own session: the attacker's identity wins, the victim's goods are untouched
    assert victim.put("/api/catalog/me/goods/1").status_code in (200, 201)
    attacker_goods = signed_in.get("/api/catalog/me/goods", headers={"X-Identity": valid_for_victim}).json()
    assert all(item["id"] != 1 for item in attacker_goods["items"])
    signed_in.delete("/api/catalog/me/goods/1", headers={"X-Identity": valid_for_victim})
    assert any(item["id"] == 1 for item in victim.get("/api/catalog/me/goods").json()["items"])


def test_a_cookie_replayed_after_logout_is_worthless(stack: Any, victim: Browser) -> None:
    cookie, token = victim.cookies.get("sid"), victim.csrf_token
    assert victim.post("/api/session/logout").status_code == 204
    replay = Browser(stack.gateway_url)
    replay.cookies.set("sid", cookie)
    replay.csrf_token = token
    assert replay.get("/api/session/me").status_code == 401
    assert replay.get("/api/catalog/me/goods").status_code == 401
    assert replay.put("/api/catalog/me/goods/1").status_code == 401
    assert replay.put("/api/session/data/k", json={"value": 1}).status_code in (401, 403)
    direct = requests.get(f"{stack.session_url}/me", cookies={"sid": cookie}, timeout=10)
    assert direct.status_code == 401
    assert requests.get(f"{stack.session_url}/auth", cookies={"sid": cookie}, timeout=10).status_code == 401


def test_a_session_cookie_from_before_sign_in_is_worthless_after_it(stack: Any, unique_name: str) -> None:
    # The attacker gets an anonymous session and plants its cookie in the victim's browser.
    attacker = Browser(stack.gateway_url)
    planted_token = attacker.get("/api/session/csrf").json()["csrf_token"]
    planted = attacker.cookies.get("sid")
    assert planted
    victim = Browser(stack.gateway_url)
    for cookie in attacker.cookies:  # exactly as the server set it (host-only), so a new one replaces it
        victim.cookies.set_cookie(copy.copy(cookie))
    victim.sign_up(unique_name)
    victim.sign_in(unique_name)
    assert victim.cookies.get("sid") != planted, "sign-in kept the pre-login session id"
    assert victim.csrf_token != planted_token
    assert victim.get("/api/session/me").status_code == 200
    # the attacker's copy of the old cookie gets nothing
    attacker.csrf_token = planted_token
    assert attacker.get("/api/session/me").status_code == 401
    assert attacker.get("/api/catalog/me/goods").status_code == 401
    assert attacker.put("/api/catalog/me/goods/1").status_code == 401


UNSAFE_CALLS = [
    ("PUT", "/api/catalog/me/goods/1", None),
    ("DELETE", "/api/catalog/me/goods/1", None),
    ("POST", "/api/catalog/goods", {"name": "csrf-probe", "price": "1.00"}),
    ("PUT", "/api/session/data/csrf_probe", {"value": 1}),
    ("DELETE", "/api/session/data/csrf_probe", None),
    ("DELETE", "/api/session/remembered", None),
    ("POST", "/api/session/logout", None),
]


@pytest.fixture
def other_token(stack: Any) -> str:
    other = Browser(stack.gateway_url)
    return str(other.get("/api/session/csrf").json()["csrf_token"])


@pytest.mark.parametrize(("method", "path", "body"), UNSAFE_CALLS)
@pytest.mark.parametrize("attack", ["no-token", "other-sessions-token", "foreign-origin", "cross-site-fetch"])
def test_cross_site_writes_are_403(
    signed_in: Browser, other_token: str, method: str, path: str, body: Any, attack: str
) -> None:
    headers = {
        "no-token": {"X-CSRF-Token": ""},
        "other-sessions-token": {"X-CSRF-Token": other_token},
        "foreign-origin": {"Origin": "https://evil.example"},
        "cross-site-fetch": {"Sec-Fetch-Site": "cross-site"},
    }[attack]
    if attack == "no-token":
        token, signed_in.csrf_token = signed_in.csrf_token, None
        response = signed_in.request(method, path, json=body)
        signed_in.csrf_token = token
    else:
        response = signed_in.request(method, path, json=body, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] in {"forbidden", "csrf_failed"}
    assert signed_in.get("/api/session/me").status_code == 200, "a refused logout still signed the user out"


@pytest.mark.parametrize(("method", "path", "body"), [c for c in UNSAFE_CALLS if "/api/session/" in c[1]])
def test_session_service_checks_the_token_itself(
    stack: Any, signed_in: Browser, other_token: str, method: str, path: str, body: Any
) -> None:
    url = stack.session_url + path.removeprefix("/api/session")
    for token in (None, other_token):
        headers = {"X-CSRF-Token": token} if token else {}
        response = requests.request(
            method, url, json=body, headers=headers, cookies={"sid": signed_in.cookies["sid"]}, timeout=10
        )
        assert response.status_code == 403, (token, response.text)
