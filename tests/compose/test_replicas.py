"""The gateway finds catalog-service replicas by name and keeps up with containers coming and going."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from compose_helpers import ComposeProject

REPLICAS = 3


def served_by(url: str, **kwargs: Any) -> str | None:
    """The X-Served-By of one successful answer, or None while the gateway cannot reach a backend."""
    try:
        response = requests.get(url, timeout=5, **kwargs)
    except requests.RequestException:
        return None
    return response.headers.get("X-Served-By") if response.status_code == 200 else None


@pytest.fixture
def three_catalog_replicas(project: ComposeProject) -> Iterator[ComposeProject]:
    # deploy/compose/scale.yml: replicas get ephemeral host ports instead of sharing CATALOG_PORT.
    project.run("up", "-d", "--wait", "--no-build", "--scale", f"catalog-service={REPLICAS}", scaled=True)
    try:
        yield project
    finally:
        project.run("up", "-d", "--wait", "--no-build", "--scale", "catalog-service=1", scaled=True)
        project.run("up", "-d", "--wait", "--no-build")  # back to the fixed port for later tests


def test_scaled_catalog_serves_through_the_gateway_and_spreads_the_load(
    three_catalog_replicas: ComposeProject,
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
