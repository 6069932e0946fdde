"""HTTPS through the whole stack: the certificate, what the TLS listener refuses, Secure cookies.

The rest of this directory already runs over HTTPS (conftest.py); these compare it with plain HTTP.
"""

from __future__ import annotations

import socket
import ssl
from urllib.parse import urlsplit

import pytest
import requests
from stack_client import Browser, Stack


@pytest.fixture(scope="module")
def tls(stack: Stack) -> Stack:
    if not (stack.gateway_https_url and stack.gateway_http_url):
        pytest.skip("this gateway has no TLS listener (GATEWAY_TLS=off)")
    return stack


def cookie_flags(response: requests.Response) -> dict[str, bool]:
    """Whether each cookie the response sets is Secure."""
    return {h.split("=", 1)[0]: "; Secure" in h for h in response.raw.headers.getlist("Set-Cookie")}


def sign_in(base_url: str, username: str, **headers: str) -> requests.Response:
    client = Browser(base_url)
    body = {"username": username, "password": "correct-horse-1", "remember": True}
    return client.post("/api/session/login", json=body, headers=headers)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_the_certificate_verifies_for_both_loopback_names(tls: Stack, host: str) -> None:
    port = urlsplit(tls.gateway_https_url).port
    assert requests.get(f"https://{host}:{port}/healthz", timeout=10, verify=tls.ca_file).status_code == 200


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1], ids=["1.0", "1.1"])
def test_tls_1_0_and_1_1_are_refused(tls: Stack, version: ssl.TLSVersion) -> None:
    url = urlsplit(tls.gateway_https_url)
    context = ssl.create_default_context(cafile=tls.ca_file)
    context.minimum_version = context.maximum_version = version
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # so this client offers them and the server decides
    raw = socket.create_connection((url.hostname, url.port), timeout=10)
    with raw, pytest.raises(ssl.SSLError) as refused:
        context.wrap_socket(raw, server_hostname=url.hostname)
    assert refused.value.reason in {"TLSV1_ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL"}


def test_plain_http_to_the_tls_port_is_refused(tls: Stack) -> None:
    port = urlsplit(tls.gateway_https_url).port
    response = requests.get(f"http://127.0.0.1:{port}/api/catalog/goods", timeout=10)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_cookies_set_over_https_are_secure_and_over_http_not(tls: Stack, unique_name: str) -> None:
    Browser(tls.gateway_http_url).sign_up(unique_name)
    over_https = sign_in(tls.gateway_https_url, unique_name)
    assert over_https.status_code == 200, over_https.text
    assert cookie_flags(over_https) == {"remembered_username": True, "sid": True}
    over_http = sign_in(tls.gateway_http_url, unique_name)
    assert over_http.status_code == 200, over_http.text
    assert cookie_flags(over_http) == {"remembered_username": False, "sid": False}


@pytest.mark.parametrize(
    "claim", [{"X-Forwarded-Proto": "https"}, {"X-Forwarded-Ssl": "on"}, {"X-Forwarded-Protocol": "ssl"}]
)
def test_a_forged_scheme_header_does_not_change_the_cookie(tls: Stack, unique_name: str, claim) -> None:
    Browser(tls.gateway_http_url).sign_up(unique_name)
    over_http = sign_in(tls.gateway_http_url, unique_name, **claim)
    assert over_http.status_code == 200, over_http.text
    assert cookie_flags(over_http) == {"remembered_username": False, "sid": False}
    over_https = sign_in(tls.gateway_https_url, unique_name, **{name: "http" for name in claim})
    assert cookie_flags(over_https) == {"remembered_username": True, "sid": True}


def test_a_browser_write_with_the_https_origin_passes(tls: Stack, unique_name: str) -> None:
    client = Browser(tls.gateway_https_url)
    client.headers["Origin"] = tls.gateway_https_url
    client.sign_up(unique_name)
    client.sign_in(unique_name)
    assert client.put("/api/catalog/me/goods/1").status_code in (200, 201)
    client.headers["Origin"] = tls.gateway_https_url.replace("https:", "http:")
    assert client.delete("/api/catalog/me/goods/1").status_code == 403
