"""A task whose container is killed is replaced by Swarm, and the gateway keeps answering meanwhile."""

from __future__ import annotations

import time

import pytest

from .swarm_helpers import Outcome, SwarmStack, Traffic, describe, docker, failures, timed

REPAIR_WITHIN = 60.0  # seconds, from the kill to a new healthy task


@pytest.mark.parametrize(
    ("short", "path"),
    [("catalog-service", "/api/catalog/goods?limit=3"), ("gateway", "/api/session/healthz")],
)
def test_a_killed_task_is_replaced_while_every_request_is_answered(
    swarm: SwarmStack, short: str, path: str
) -> None:
    replicas = len(swarm.running_tasks(short))
    victim = swarm.containers(short)[0]
    task = swarm.container_inspect(victim)["Config"]["Labels"]["com.docker.swarm.task.id"]

    def read(_: int) -> Outcome:
        return timed(None, "GET", f"{swarm.gateway_url}{path}", what=short)

    with Traffic(read, deadline=REPAIR_WITHIN + 30, pause=0.02) as traffic:
        time.sleep(2)
        docker("kill", victim)  # SIGKILL: no graceful shutdown, in-flight requests are cut
        killed_at = time.monotonic()
        while docker("inspect", "--type", "task", "--format", "{{.Status.State}}", task).strip() == "running":
            time.sleep(0.2)  # until Swarm has seen the task die
        swarm.wait_converged(timeout=int(REPAIR_WITHIN))
        repaired_in = time.monotonic() - killed_at
        time.sleep(2)

    assert victim not in swarm.containers(short)
    assert len(swarm.containers(short)) == replicas
    assert repaired_in < REPAIR_WITHIN
    assert len(traffic.outcomes) > 50, describe(traffic.outcomes)
    assert not failures(traffic.outcomes), describe(failures(traffic.outcomes))
