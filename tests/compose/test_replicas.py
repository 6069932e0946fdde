"""The gateway and Prometheus find catalog-service replicas by name and keep up with containers
coming and going."""

from __future__ import annotations

import time
from typing import Any

import requests
from compose_helpers import REPLICAS, ComposeProject, wait_every_target_up


def served_by(url: str, **kwargs: Any) -> str | None:
    """The X-Served-By of one successful answer, or None while the gateway cannot reach a backend."""
    try:
        response = requests.get(url, timeout=5, **kwargs)
    except requests.RequestException:
        return None
    return response.headers.get("X-Served-By") if response.status_code == 200 else None


class TestThreeCatalogReplicas:
    """`--scale catalog-service=3` (with deploy/compose/scale.yml and the stack's other files) once."""

    def test_the_gateway_serves_from_each_and_spreads_the_load(
        self, three_catalog_replicas: ComposeProject
    ) -> None:
        assert len(three_catalog_replicas.container_ids("catalog-service")) == REPLICAS
        url = three_catalog_replicas.stack.gateway_url + "/api/catalog/goods?limit=1"
        seen: set[str] = set()
        deadline = time.monotonic() + 60  # the gateway re-resolves the name every few seconds
        while len(seen) < REPLICAS and time.monotonic() < deadline:
            host = served_by(url)
            if host:
                seen.add(host)
            else:
                time.sleep(0.2)
        assert len(seen) == REPLICAS, f"answers came from {sorted(seen)} only"

    def test_prometheus_scrapes_each_as_an_up_target(
        self, three_catalog_replicas: ComposeProject, prometheus: str
    ) -> None:
        assert len(three_catalog_replicas.container_ids("catalog-service")) == REPLICAS
        wait_every_target_up(prometheus, catalog_replicas=REPLICAS)


def test_recreated_session_service_is_picked_up_without_restarting_the_gateway(
    project: ComposeProject, signed_in: Any
) -> None:
    gateway_id = project.container_ids("gateway")[0]
    gateway_started = project.inspect(gateway_id)["State"]["StartedAt"]
    url = project.stack.gateway_url + "/api/session/me"
    before = served_by(url, cookies=signed_in.cookies)
    assert before, "session-service does not answer through the gateway"

    project.run("up", "-d", "--wait", "--no-build", "--force-recreate", "--no-deps", "session-service")

    after = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        after = served_by(url, cookies=signed_in.cookies)
        if after and after != before:
            break
        time.sleep(0.5)
    assert after and after != before, "the gateway still does not reach the new session-service container"
    assert project.container_ids("gateway") == [gateway_id]
    assert project.inspect(gateway_id)["State"]["StartedAt"] == gateway_started
    # the session lives in Redis, so the new container knows the signed-in user
    assert signed_in.get("/api/session/me").status_code == 200
