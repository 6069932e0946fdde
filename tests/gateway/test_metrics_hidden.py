"""The services' GET /metrics is for Prometheus on the backend network: the gateway answers 404."""

import pytest
import requests

from .test_routing import GOOD_SESSION, assert_json_error


@pytest.mark.parametrize(
    "path",
    [
        "/metrics",
        "/api/catalog/metrics",
        "/api/catalog//metrics",
        "/api/catalog/%6detrics",
        "/api/catalog/goods/../metrics",
        "/api/catalog/me/../metrics",
        "/api/session/metrics",
        "/api/session//metrics",
        "/api/session/%6Detrics",
        "/api/session/csrf/../metrics",
    ],
)
def test_metrics_never_reach_a_service(gateway, catalog, session, path):
    seen = len(catalog.requests) + len(session.requests)
    for headers in ({}, GOOD_SESSION):
        for method in ("GET", "HEAD"):
            response = requests.request(method, gateway.url + path, headers=headers, timeout=5)
            assert response.status_code == 404
            if method == "GET":
                assert_json_error(response, 404, "not_found")
    assert len(catalog.requests) + len(session.requests) == seen
