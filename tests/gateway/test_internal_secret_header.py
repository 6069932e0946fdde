"""The gateway never forwards a client's X-Internal-Secret (proxy-headers.conf).

Defence in depth behind the /internal 404 in routes.conf: removing the drop was caught by no
other test, because every path to /internal is already refused before it is proxied.
"""

import pytest
import requests


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/catalog/goods", "catalog"),
        ("/api/catalog/goods/1", "catalog"),
        ("/api/session/me", "session"),
    ],
)
def test_a_client_internal_secret_is_not_forwarded(gateway, catalog, session, path, service):
    upstream = {"catalog": catalog, "session": session}[service]
    response = requests.get(gateway.url + path, headers={"X-Internal-Secret": "guessed"}, timeout=5)
    assert response.status_code == 200
    assert "x-internal-secret" not in upstream.last()["headers"]
