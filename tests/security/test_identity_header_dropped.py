"""The gateway drops a client's X-Identity on every catalog route, not only the ones with a test of their own.

Found by removing `proxy_set_header X-Identity "";` from the catch-all `location /api/catalog/`
(routes.conf): no other test failed. POST /api/catalog/goods/ (trailing slash) then missed the
exact goods location, landed in that catch-all without auth_request, and Flask (strict_slashes
off) routed it to create_good, which trusts only X-Identity. The goods location now matches the
trailing slash too; this test keeps both layers honest. Without the drop,
whoever holds an assertion (30 s of bearer power, never meant to leave the backend) could use it
from outside without a session or a CSRF token.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from shop_common.identity import sign_identity
from stack_client import Browser


@pytest.mark.parametrize("path", ["/api/catalog/goods/", "/api/catalog/goods/?x=1"])
def test_a_client_sent_identity_is_dropped_on_catch_all_catalog_routes(
    stack: Any, unique_name: str, internal_secret: str, path: str
) -> None:
    user = Browser(stack.gateway_url).sign_up(unique_name)
    valid = sign_identity(internal_secret, int(user["id"]), str(user["username"]))
    name = "idprobe-" + uuid.uuid4().hex[:10]
    response = requests.post(
        stack.gateway_url + path,
        json={"name": name, "price": "1.00"},
        headers={"X-Identity": valid},
        timeout=10,
    )
    assert response.status_code == 401, response.text
    listed = requests.get(f"{stack.gateway_url}/api/catalog/goods", params={"q": name}, timeout=10).json()
    assert listed["items"] == [], "a good was created with a client-sent identity"
