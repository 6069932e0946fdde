"""Every container is healthy, unprivileged and locked down; no image carries a secret."""

from __future__ import annotations

import pytest
from compose_helpers import LONG_RUNNING, PROJECT_CODE, ComposeProject, docker

SECRET_VARIABLES = ("SECRET_KEY", "INTERNAL_SECRET", "POSTGRES_PASSWORD")


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_service_reports_healthy(project: ComposeProject, service: str) -> None:
    ids = project.container_ids(service)
    assert ids, f"{service} has no container"
    for container_id in ids:
        state = project.inspect(container_id)["State"]
        assert state["Running"], f"{service} is not running"
        assert state.get("Health", {}).get("Status") == "healthy", f"{service}: {state.get('Health')}"


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_every_process_runs_as_a_non_root_user(project: ComposeProject, service: str) -> None:
    for container_id in project.container_ids(service):
        # `docker top` lists the container's processes with their real (host) uids.
        out = docker("top", container_id, "-eo", "pid,uid,comm").splitlines()[1:]
        assert out, f"{service}: no processes"
        root_processes = [line for line in out if line.split()[1] == "0"]
        assert not root_processes, f"{service} runs processes as root: {root_processes}"
        user = project.inspect(container_id)["Config"]["User"]
        assert user not in ("", "0", "root"), f"{service} container starts as root"


@pytest.mark.parametrize("service", PROJECT_CODE)
def test_project_containers_have_a_read_only_root_filesystem(project: ComposeProject, service: str) -> None:
    for container_id in project.container_ids(service):
        host_config = project.inspect(container_id)["HostConfig"]
        assert host_config["ReadonlyRootfs"] is True
        assert "/tmp" in (host_config.get("Tmpfs") or {})


def test_built_images_hold_no_secret(project: ComposeProject) -> None:
    secrets: set[str] = set()
    images: set[str] = set()
    for service in LONG_RUNNING:
        for container_id in project.container_ids(service):
            info = project.inspect(container_id)
            images.add(info["Image"])
            for entry in info["Config"]["Env"] or []:
                name, _, value = entry.partition("=")
                if name in SECRET_VARIABLES and value:
                    secrets.add(value)
    assert secrets, "expected the containers to get their secrets from the environment"
    for service in PROJECT_CODE:
        image = project.inspect(project.container_ids(service)[0])["Image"]
        history = docker("history", "--no-trunc", "--format", "{{.CreatedBy}}", image)
        config = docker("image", "inspect", "--format", "{{json .Config}}", image)
        for text in (history, config):
            for name in SECRET_VARIABLES:
                assert f"{name}=" not in text, f"{service} image sets {name}"
            for value in secrets:
                assert value not in text, f"{service} image contains a secret value"
