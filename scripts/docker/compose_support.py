"""Run the compose stack for the black-box tests: tests/conftest.py's `stack` fixture and tests/compose.

compose_stack(Stack) picks free host ports, runs scripts/docker/compose-up.sh under a fresh project
name, yields a Stack pointing at the gateway and both services, and always tears the stack down with
scripts/docker/compose-down.sh (with ps and logs when the session failed or STACK_COMPOSE_LOGS=1).
STACK_COMPOSE_KEEP=1 leaves the stack running for a look afterwards.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "docker"
SCALE_OVERRIDE = ROOT / "deploy" / "compose" / "scale.yml"
try:  # the suite's login limits (tests/stack_client.py), so compose and local stacks agree
    from stack_client import LOGIN_BURST, LOGIN_RATE
except ImportError:
    LOGIN_RATE, LOGIN_BURST = (
        os.environ.get("STACK_LOGIN_RATE", "600r/m"),
        int(os.environ.get("STACK_LOGIN_BURST", "20")),
    )

UP_TIMEOUT = int(os.environ.get("STACK_COMPOSE_UP_TIMEOUT", "1500"))  # fresh build: base images + services


def free_port() -> int:
    """A TCP port nothing listens on right now (the engine binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, comments and blanks skipped."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


def compose(
    project: str, compose_env: dict[str, str], *args: str, files: tuple[Path, ...] = (), **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run `docker compose -p PROJECT [-f ...] ARGS` from the repo root with the stack's environment."""
    cmd = ["docker", "compose", "-p", project]
    if files:  # naming any file replaces the default, so name docker-compose.yml first
        for file in (ROOT / "docker-compose.yml", *files):
            cmd += ["-f", str(file)]
    kwargs.setdefault("check", True)
    kwargs.setdefault("text", True)
    return subprocess.run([*cmd, *args], cwd=ROOT, env={**os.environ, **compose_env}, **kwargs)


def compose_stack(stack_cls: type, tests_failed: Callable[[], bool] = lambda: False) -> Iterator[Any]:
    """Yield a running compose stack (`stack_cls(mode, gateway_url, catalog_url, session_url, ...)`).

    `tests_failed()` is asked at teardown: a test failure does not reach this generator as an
    exception, so the caller says whether to save `ps` and the logs.
    """
    project = os.environ.get("STACK_COMPOSE_PROJECT") or f"shoptest{uuid.uuid4().hex[:8]}"
    ports = {"GATEWAY_PORT": free_port(), "CATALOG_PORT": free_port(), "SESSION_PORT": free_port()}
    env_out = ROOT / "test-artifacts" / "compose" / f"{project}.env"
    run_env = {
        **os.environ,
        **{k: str(v) for k, v in ports.items()},
        "COMPOSE_PROJECT_NAME": project,
        "COMPOSE_ENV_OUT": str(env_out),
        "LOGIN_RATE": LOGIN_RATE,  # the gateway container reads these
        "LOGIN_BURST": str(LOGIN_BURST),
    }
    print(f"[stack] compose project {project}, ports {ports}", flush=True)
    up = subprocess.run(
        ["bash", str(SCRIPTS / "compose-up.sh"), "-p", project], cwd=ROOT, env=run_env, timeout=UP_TIMEOUT
    )
    if up.returncode != 0:
        # compose-up.sh has printed ps and logs and removed the stack already.
        raise RuntimeError(f"scripts/docker/compose-up.sh failed with exit code {up.returncode}")
    compose_env = read_env_file(env_out)
    compose_env.update({k: str(v) for k, v in ports.items()})
    compose_env.update({k: run_env[k] for k in ("LOGIN_RATE", "LOGIN_BURST")})
    stack = stack_cls(
        "compose",
        f"http://127.0.0.1:{ports['GATEWAY_PORT']}",
        f"http://127.0.0.1:{ports['CATALOG_PORT']}",
        f"http://127.0.0.1:{ports['SESSION_PORT']}",
        compose_project=project,
        compose_env=compose_env,
    )
    failed = True
    try:
        yield stack
        failed = False
    finally:
        if os.environ.get("STACK_COMPOSE_KEEP") == "1":
            print(f"[stack] STACK_COMPOSE_KEEP=1: leaving project {project} running", flush=True)
        else:
            down = ["bash", str(SCRIPTS / "compose-down.sh"), "-p", project]
            if failed or tests_failed() or os.environ.get("STACK_COMPOSE_LOGS") == "1":
                down.append("--failed")
            subprocess.run(down, cwd=ROOT, env={**os.environ, **compose_env}, timeout=300)
