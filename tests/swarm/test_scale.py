"""Scaling catalog-service up and down under traffic fails no request, and new replicas take load."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from .swarm_helpers import Outcome, SwarmStack, Traffic, describe, docker, failures, timed


def scale(swarm: SwarmStack, replicas: int) -> None:
    docker("service", "scale", "--detach", f"{swarm.service('catalog-service')}={replicas}")
    swarm.wait_converged()
    assert len(swarm.running_tasks("catalog-service")) == replicas


def replicas_answering(url: str, expected: int, within: float = 30) -> set[str]:
    """The X-Served-By values (one per replica) seen until `expected` answered or `within` s passed."""
    seen: set[str] = set()
    deadline = time.monotonic() + within
    while len(seen) < expected and time.monotonic() < deadline:
        seen.add(requests.get(url, timeout=5).headers.get("X-Served-By", ""))
    return seen


@pytest.fixture
def restore_three_replicas(swarm: SwarmStack) -> Iterator[None]:
    yield
    scale(swarm, 3)


def test_scaling_catalog_3_to_5_to_2_under_traffic_fails_no_request(
    swarm: SwarmStack, restore_three_replicas: None
) -> None:
    url = f"{swarm.gateway_url}/api/catalog/goods?limit=3"
    assert len(swarm.running_tasks("catalog-service")) == 3

    def read(_: int) -> Outcome:
        return timed(None, "GET", url, what="list")

    with Traffic(read, deadline=240, pause=0.02) as traffic:
        time.sleep(2)
        scale(swarm, 5)
        at_five = replicas_answering(url, 5)
        scale(swarm, 2)
        swarm.wait_for_containers("catalog-service", 2)
        time.sleep(2)
    assert len(traffic.outcomes) > 100, describe(traffic.outcomes)
    assert not failures(traffic.outcomes), describe(failures(traffic.outcomes))
    assert len(at_five) == 5, f"with 5 replicas, answers came from {sorted(at_five)}"
