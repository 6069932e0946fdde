"""GET /metrics: on each service's own port for Prometheus, every worker summed; never through the gateway."""

import time
from collections.abc import Callable

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families


def needs_service_ports(stack) -> None:
    """Skip on a stack that publishes only its gateway (the Swarm stack): /metrics is not reachable."""
    if not (stack.catalog_url and stack.session_url):
        pytest.skip("needs each service's own port; this stack publishes only the gateway")


def scrape(url: str) -> str:
    response = requests.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return response.text


def scrape_until(url: str, reached: Callable[[str], bool]) -> str:
    """Scrape until `reached` holds or 5 s pass: each worker writes its figures within a second."""
    deadline = time.monotonic() + 5
    while not reached(text := scrape(url)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return text


def settled_scrape(url: str) -> str:
    """A scrape that includes every request made before it: each worker writes its figures within a
    second, so requests of earlier tests may still be on their way into the files until then."""
    time.sleep(1.5)
    return scrape(url)


def value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels`."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def test_a_scrape_counts_every_request_whichever_worker_answered(stack):
    needs_service_ports(stack)
    route = {"service": "catalog-service", "route": "/goods", "method": "GET", "status": "200"}
    before = value(settled_scrape(stack.catalog_url), "http_requests_total", **route)
    for _ in range(40):  # a fresh connection each time, so both gunicorn workers get some
        response = requests.get(
            f"{stack.catalog_url}/goods?limit=1", headers={"Connection": "close"}, timeout=10
        )
        assert response.status_code == 200
    # One replica in local mode; in compose with replicas, a scrape sees only the one it reached.
    text = scrape_until(
        stack.catalog_url, lambda text: value(text, "http_requests_total", **route) >= before + 40
    )
    if stack.mode == "local":
        assert value(text, "http_requests_total", **route) == before + 40
    assert value(text, "http_worker_threads", service="catalog-service") > 0
    assert 'route="/goods?' not in text


def test_session_service_counts_sign_ins_by_outcome(stack):
    needs_service_ports(stack)
    before = value(settled_scrape(stack.session_url), "shop_sign_ins_total", outcome="bad_credentials")
    response = requests.post(
        f"{stack.gateway_url}/api/session/login",
        json={"username": "nobody-here", "password": "wrong-password-1"},
        headers={"X-Requested-With": "XMLHttpRequest"},
        timeout=10,
    )
    assert response.status_code in (401, 429)  # 429: the gateway's per-address limit, before the service
    expected = before + (1 if response.status_code == 401 else 0)
    text = scrape_until(
        stack.session_url,
        lambda text: value(text, "shop_sign_ins_total", outcome="bad_credentials") >= expected,
    )
    assert value(text, "shop_sign_ins_total", outcome="bad_credentials") == expected


def test_the_gateway_never_serves_the_metrics(stack):
    for path in ("/metrics", "/api/catalog/metrics", "/api/session/metrics", "/api/catalog/%6detrics"):
        response = requests.get(stack.gateway_url + path, timeout=10)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
        assert "http_requests_total" not in response.text
