"""No secret shows where anyone with Docker access looks: `docker inspect`, image history, image layers."""

from __future__ import annotations

import subprocess
import tarfile

import pytest

from .swarm_helpers import SwarmStack, docker

# Where each secret is mounted, to read its value back for the search.
MOUNTED_IN = {
    "session_secret_key": "session-service",
    "internal_secret": "catalog-service",
    "database_url": "catalog-service",
    "redis_url": "session-service",
    "postgres_password": "postgres",
    "redis_password": "redis",
}
PROJECT_IMAGES = ("gateway", "catalog-service", "session-service")


@pytest.fixture(scope="module")
def secret_values(swarm: SwarmStack) -> dict[str, str]:
    values = {name: swarm.exec(short, "cat", f"/run/secrets/{name}") for name, short in MOUNTED_IN.items()}
    assert all(len(value) >= 32 for value in values.values()), "secrets should be long random values"
    return values


def leaks(text: str | bytes, secrets: dict[str, str]) -> list[str]:
    """The names of the secrets whose value occurs in `text`."""
    if isinstance(text, bytes):
        return [name for name, value in secrets.items() if value.encode() in text]
    return [name for name, value in secrets.items() if value in text]


def test_no_secret_in_docker_inspect_of_services_containers_secrets_or_networks(
    swarm: SwarmStack, secret_values: dict[str, str]
) -> None:
    services = swarm.services()
    in_stack = f"label=com.docker.stack.namespace={swarm.name}"
    containers = docker("ps", "-aq", "--filter", in_stack).split()
    secret_ids = docker("secret", "ls", "-q", "--filter", f"name={swarm.name}_").split()
    networks = docker("network", "ls", "-q", "--filter", in_stack).split()
    assert len(services) >= 8 and containers and len(secret_ids) == len(MOUNTED_IN) and networks
    inspected = {
        "services": docker("service", "inspect", *services),
        "containers": docker("inspect", *containers),
        "secrets": docker("secret", "inspect", *secret_ids),
        "networks": docker("network", "inspect", *networks),
        "tasks": docker("stack", "ps", "--no-trunc", swarm.name),
    }
    found = {what: leaks(text, secret_values) for what, text in inspected.items()}
    assert found == {what: [] for what in inspected}


@pytest.mark.parametrize("short", PROJECT_IMAGES)
def test_no_secret_in_an_image_history_or_layer(
    swarm: SwarmStack, secret_values: dict[str, str], short: str
) -> None:
    image = swarm.inspect(short)["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"]
    assert not leaks(docker("history", "--no-trunc", image), secret_values)
    assert not leaks(docker("image", "inspect", image), secret_values)
    # Every file of every layer, and the image config, as `docker save` writes them.
    with subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE) as save:
        assert save.stdout is not None
        with tarfile.open(fileobj=save.stdout, mode="r|") as archive:
            for member in archive:
                content = archive.extractfile(member)
                if content is not None:
                    assert not leaks(content.read(), secret_values), member.name
    assert save.returncode == 0
