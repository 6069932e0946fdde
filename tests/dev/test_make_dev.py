"""`make dev` (compose mode only): with the stack under Compose watch on a throwaway copy of the
repository, a saved change shows through the gateway within 10 s, and a half-typed one is a JSON 503
until it is fixed. The project has a name and ports of its own; it is removed afterwards."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from dev_loop import check_the_dev_loop, copy_repository
from shop_stack.system import free_port

DEV_FILES = "docker-compose.yml:deploy/compose/dev.yml"  # what make dev names
OWN_IMAGES = {
    "gateway": "gateway",
    "dev-tls": "gateway",
    "catalog-service": "catalog-service",
    "migrate": "catalog-service",
    "seed": "catalog-service",
    "session-service": "session-service",
}


def compose_mode() -> bool:
    """STACK_MODE=compose, or auto (unset) with a Docker engine answering, as for the other suites."""
    mode = os.environ.get("STACK_MODE", "auto")
    if mode != "auto":
        return mode == "compose"
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=20).returncode == 0


@pytest.fixture(scope="module")
def watched_stack() -> Iterator[tuple[Path, str]]:
    if not compose_mode():
        pytest.skip("compose mode only: it builds and runs a compose project of its own")
    root = copy_repository()
    project = f"shopdev{uuid.uuid4().hex[:6]}"
    ports = {
        name: str(free_port())
        for name in ("GATEWAY_PORT", "GATEWAY_TLS_PORT", "CATALOG_PORT", "SESSION_PORT")
    }
    env_file = root / "dev.env"
    # Images of its own: rebuilding shop/*:dev here would make the suite's stack recreate its
    # containers on its next `up` (seen: every later test failed).
    (root / "own-images.yml").write_text(
        "services:\n"
        + "".join(
            f"  {service}:\n    image: shop/{image}:{project}\n" for service, image in OWN_IMAGES.items()
        )
    )
    env = {
        **os.environ,
        **ports,
        "COMPOSE_FILE": f"{DEV_FILES}:own-images.yml",
        "COMPOSE_PROJECT_NAME": project,
    }
    env["COMPOSE_ENV_OUT"] = str(env_file)
    watch = None
    try:
        subprocess.run(["bash", "scripts/docker/compose-up.sh", "-p", project], cwd=root, env=env, check=True)
        images = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        with open(root / "watch.out", "w") as out:
            watch = subprocess.Popen(
                ["docker", "compose", "watch", "--no-up"],
                cwd=root,
                env={**env, **images},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
        deadline = time.monotonic() + 30  # watch is ready once it says so
        while "Watch enabled" not in (root / "watch.out").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert requests.get(f"{gateway}/healthz", timeout=5).status_code == 200
        yield root, gateway
    finally:
        if watch is not None:
            os.killpg(watch.pid, signal.SIGINT)
            watch.wait(timeout=30)
            print((root / "watch.out").read_text()[-2000:], flush=True)
        subprocess.run(
            ["bash", "scripts/docker/compose-down.sh", "-p", project], cwd=root, env=env, check=False
        )
        own = sorted({f"shop/{image}:{project}" for image in OWN_IMAGES.values()})
        subprocess.run(["docker", "image", "rm", *own], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def test_make_dev_shows_saved_changes(watched_stack: tuple[Path, str]) -> None:
    root, gateway = watched_stack
    check_the_dev_loop(root, gateway)
