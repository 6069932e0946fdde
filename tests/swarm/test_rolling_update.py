"""A rolling update of catalog-service under steady traffic fails no request and loses no write."""

from __future__ import annotations

import itertools
import subprocess
import time
import uuid

from stack_client import Browser

from .swarm_helpers import Outcome, SwarmStack, Traffic, describe, docker, failures, timed

WRITERS = 2


def new_image_from(image: str) -> str:
    """A new image (its own id) on top of `image`, as a release brings one; `swarm.sh down` untags it."""
    tag = f"{image.rsplit(':', 1)[0]}:swarm-rollout-{uuid.uuid4().hex[:8]}"
    dockerfile = f"FROM {image}\nLABEL shop.test.rollout={tag}\n"
    build = ["docker", "build", "-q", "-t", tag, "-"]
    subprocess.run(build, input=dockerfile, text=True, check=True, timeout=120)
    return tag


def test_rolling_update_under_traffic_fails_no_request_and_loses_no_acknowledged_write(
    swarm: SwarmStack, unique_name: str
) -> None:
    old_image = swarm.inspect("catalog-service")["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
    new_image = new_image_from(old_image)
    prefix = f"rollout-{uuid.uuid4().hex[:8]}"
    Browser(swarm.gateway_url).sign_up(unique_name)
    browsers = [Browser(swarm.gateway_url) for _ in range(WRITERS)]  # a session per writer thread
    for browser in browsers:
        browser.sign_in(unique_name)
    sequence = [itertools.count() for _ in range(WRITERS)]
    acknowledged: set[str] = set()

    def write(index: int) -> Outcome:
        name = f"{prefix}-{index}-{next(sequence[index])}"
        body = {"name": name, "price": "1.00"}
        outcome = timed(browsers[index], "POST", "/api/catalog/goods", what="create", json=body)
        if outcome.status == 201:
            acknowledged.add(name)
        return outcome

    def read(_: int) -> Outcome:
        return timed(None, "GET", f"{swarm.gateway_url}/api/catalog/goods?limit=5", what="list")

    with (
        Traffic(read, threads=2, deadline=300, pause=0.02) as readers,
        Traffic(write, threads=WRITERS, deadline=300, pause=0.05) as writers,
    ):
        time.sleep(2)
        docker(
            "service",
            "update",
            "--detach",
            "--no-resolve-image",
            "--image",
            new_image,
            swarm.service("catalog-service"),
        )
        swarm.wait_converged()
        swarm.wait_for_containers("catalog-service", 3)  # the replaced ones have drained and exited
        time.sleep(2)

    outcomes = readers.outcomes + writers.outcomes
    assert swarm.inspect("catalog-service")["UpdateStatus"]["State"] == "completed"
    assert {task["Image"] for task in swarm.running_tasks("catalog-service")} == {new_image}
    assert len(readers.outcomes) > 100 and len(acknowledged) > 50, describe(outcomes)
    assert not failures(outcomes), describe(failures(outcomes))
    stored = swarm.psql(f"SELECT name FROM goods WHERE name LIKE '{prefix}-%'").split()  # noqa: S608 - our hex
    assert len(stored) == len(acknowledged)
    assert set(stored) == acknowledged
