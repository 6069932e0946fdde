"""Cookies are Secure whenever the request came over HTTPS, whatever SESSION_COOKIE_SECURE says.

The scheme is the WSGI one: gunicorn sets it from the gateway's X-Forwarded-Proto (gunicorn.conf.py);
the Flask test client sets it from the URL here.
"""

from session_helpers import USERS, XHR, csrf


def secure_flags(response) -> dict[str, bool]:
    return {h.split("=", 1)[0]: "; Secure" in h for h in response.headers.getlist("Set-Cookie")}


def sign_in(client, base_url: str):
    body = {"username": "alice", "password": USERS["alice"][1], "remember": True}
    return client.post("/login", json=body, headers=XHR, base_url=base_url)


def test_every_cookie_set_over_https_is_secure(client, catalog):
    https = "https://localhost"
    signed_in = sign_in(client, https)
    assert secure_flags(signed_in) == {"remembered_username": True, "sid": True}
    headers = {**XHR, **csrf(signed_in.get_json()["csrf_token"])}
    forgotten = client.delete("/remembered", headers=headers, base_url=https)
    assert secure_flags(forgotten) == {"remembered_username": True}
    signed_out = client.post("/logout", headers=headers, base_url=https)
    assert secure_flags(signed_out) == {"sid": True}


def test_cookies_set_over_plain_http_are_not(client, catalog):
    signed_in = sign_in(client, "http://localhost")
    assert secure_flags(signed_in) == {"remembered_username": False, "sid": False}
