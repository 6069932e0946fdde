"""What the compose-only tests share: the running project and how to drive `docker compose` on it."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import requests
import yaml
from shop_stack.observability import seconds

LONG_RUNNING = ("gateway", "catalog-service", "session-service", "postgres", "redis")
PROJECT_CODE = ("gateway", "catalog-service", "session-service")
REPLICAS = 3  # catalog-service containers while the scaling tests run
# Prometheus's jobs (deploy/observability/prometheus.yml): itself, both services, the three exporters
JOBS = {"prometheus", "catalog-service", "session-service", "gateway", "postgres", "redis"}


def docker(*args: str) -> str:
    """`docker ARGS`, its output."""
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True).stdout


class ComposeProject:
    """The compose project the session's stack runs, as these tests drive it."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack

    def run(self, *args: str, scaled: bool = False, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return self.stack.compose.compose(*args, scaled=scaled, **kwargs)

    def container_ids(self, service: str) -> list[str]:
        out = self.run("ps", "-q", service, capture_output=True).stdout
        return out.split()

    def inspect(self, container_id: str) -> dict[str, Any]:
        return dict(json.loads(docker("inspect", container_id))[0])

    def wait_healthy(self) -> None:
        """`up -d --wait` on the plain file: the stack as the session fixture started it."""
        self.run("up", "-d", "--wait", "--wait-timeout", "300")


@contextlib.contextmanager
def catalog_replicas(project: ComposeProject, replicas: int) -> Iterator[ComposeProject]:
    """`replicas` catalog-service containers meanwhile, then one again on its fixed host port.

    deploy/compose/scale.yml gives the replicas ephemeral host ports instead of sharing CATALOG_PORT;
    `scaled` runs keep the stack's other files (the observability profile's) in the list."""
    project.run("up", "-d", "--wait", "--no-build", "--scale", f"catalog-service={replicas}", scaled=True)
    try:
        yield project
    finally:
        project.run("up", "-d", "--wait", "--no-build", "--scale", "catalog-service=1", scaled=True)
        project.run("up", "-d", "--wait", "--no-build")  # back to the fixed port for later tests


def scrape_interval(prometheus: str) -> float:
    """Seconds between two scrapes of the running Prometheus (its loaded configuration's)."""
    answer = requests.get(f"{prometheus}/api/v1/status/config", timeout=10).json()
    return seconds(yaml.safe_load(answer["data"]["yaml"])["global"]["scrape_interval"])


def targets(prometheus: str) -> list[dict[str, Any]]:
    return list(requests.get(f"{prometheus}/api/v1/targets", timeout=10).json()["data"]["activeTargets"])


def wait_every_target_up(prometheus: str, catalog_replicas: int) -> None:
    """Until every job has its targets, all up, `catalog_replicas` of them catalog-service's.

    A replica that was recreated leaves its old address behind until the next DNS refresh."""
    deadline = time.monotonic() + 30 + 3 * scrape_interval(prometheus)  # refresh and scrape: 10 s, 15 s
    while True:
        found = targets(prometheus)
        up = [t for t in found if t["health"] == "up"]
        catalog = [t for t in up if t["labels"]["job"] == "catalog-service"]
        if {t["labels"]["job"] for t in up} == JOBS and len(catalog) == catalog_replicas and up == found:
            return
        assert time.monotonic() < deadline, json.dumps(
            [(t["labels"]["job"], t["labels"]["instance"], t["health"], t["lastError"]) for t in found]
        )
        time.sleep(1)
