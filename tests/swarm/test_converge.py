"""The deployed stack is what deploy/swarm/stack.yml asks for, converged and healthy."""

from __future__ import annotations

import pytest

from .swarm_helpers import SwarmStack, docker

REPLICAS = {"gateway": 2, "catalog-service": 3, "session-service": 2, "postgres": 1, "redis": 1}
PROJECT_CODE = ("gateway", "catalog-service", "session-service")
# Every other variable a service gets is a NAME_FILE path.
NOT_SECRET = {
    "APP_ENV",
    "LOG_LEVEL",
    "ACCESS_LOG",
    "LOG_FORMAT",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "CATALOG_URL",
    "SESSION_COOKIE_SECURE",
    "POSTGRES_USER",
    "POSTGRES_DB",
}


def test_every_service_runs_its_replicas_and_each_is_healthy(swarm: SwarmStack) -> None:
    for short, replicas in REPLICAS.items():
        tasks = swarm.running_tasks(short)
        assert [t["CurrentState"].split()[0] for t in tasks] == ["Running"] * replicas, (short, tasks)
        containers = swarm.containers(short)
        assert len(containers) == replicas, short
        for container in containers:
            assert swarm.container_inspect(container)["State"]["Health"]["Status"] == "healthy", short


def test_edge_runs_once_on_every_node_and_owns_the_published_port(swarm: SwarmStack) -> None:
    nodes = docker("node", "ls", "-q").split()
    assert len(swarm.running_tasks("edge")) == len(nodes)
    ports = swarm.inspect("edge")["Endpoint"]["Spec"]["Ports"]
    assert [(p["TargetPort"], p["PublishMode"]) for p in ports] == [(8080, "host")]
    assert all("Ports" not in swarm.inspect(short)["Endpoint"]["Spec"] for short in REPLICAS)


def test_the_migration_and_the_demo_seed_ran_to_completion(swarm: SwarmStack) -> None:
    for short in ("migrate", "seed"):
        states = docker("service", "ps", "--format", "{{.CurrentState}}", swarm.service(short)).splitlines()
        assert states[0].startswith("Complete"), (short, states)
        assert swarm.running_tasks(short) == []
    assert swarm.psql("SELECT count(*) FROM users WHERE username = 'alice'") == "1"


@pytest.mark.parametrize("short", [*REPLICAS, "edge"])
def test_updates_start_the_new_task_first_and_roll_back_on_failure(swarm: SwarmStack, short: str) -> None:
    spec = swarm.inspect(short)["Spec"]
    update, rollback = spec["UpdateConfig"], spec["RollbackConfig"]
    # Two servers on one data directory, or two edges on one host port, cannot be: stop first.
    order = "stop-first" if short in {"postgres", "redis", "edge"} else "start-first"
    assert (update["Order"], update["FailureAction"], update["Parallelism"]) == (order, "rollback", 1)
    assert update["Monitor"] >= 10 * 10**9  # nanoseconds
    assert rollback["Order"] == order
    assert spec["TaskTemplate"]["RestartPolicy"]["Condition"] == "any"
    assert spec["EndpointSpec"]["Mode"] == "dnsrr"


@pytest.mark.parametrize("short", [*REPLICAS, "edge"])
def test_every_container_has_a_healthcheck_and_cpu_and_memory_limits(swarm: SwarmStack, short: str) -> None:
    template = swarm.inspect(short)["Spec"]["TaskTemplate"]
    assert template["ContainerSpec"]["Healthcheck"]["Test"], short
    limits = template["Resources"]["Limits"]
    assert limits["NanoCPUs"] > 0 and limits["MemoryBytes"] > 0, short


@pytest.mark.parametrize("short", [*PROJECT_CODE, "edge"])
def test_project_containers_run_read_only_without_capabilities_or_root(swarm: SwarmStack, short: str) -> None:
    for container in swarm.containers(short):
        config = swarm.container_inspect(container)
        assert config["HostConfig"]["ReadonlyRootfs"] is True, short
        assert config["HostConfig"]["CapDrop"] == ["ALL"], short
        assert config["Config"]["User"] not in {"", "0", "root"}, short


def test_secrets_reach_the_services_as_files_named_by_file_variables(swarm: SwarmStack) -> None:
    for short in ("catalog-service", "session-service", "migrate", "postgres", "redis"):
        container_spec = swarm.inspect(short)["Spec"]["TaskTemplate"]["ContainerSpec"]
        env = dict(item.split("=", 1) for item in container_spec.get("Env", []))
        mounted = {f"/run/secrets/{secret['File']['Name']}" for secret in container_spec["Secrets"]}
        assert mounted, short
        assert {value for name, value in env.items() if name.endswith("_FILE")} <= mounted, short
        assert {name for name in env if not name.endswith("_FILE")} <= NOT_SECRET, short


def test_the_backend_network_has_no_way_out(swarm: SwarmStack) -> None:
    backend = docker("network", "inspect", "--format", "{{.Internal}} {{.Driver}}", f"{swarm.name}_backend")
    assert backend.split() == ["true", "overlay"]
