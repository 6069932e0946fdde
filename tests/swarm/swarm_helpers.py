"""What the Swarm tests share: the running stack, driven with the docker CLI, and bounded traffic."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from traffic import Outcome, Traffic, timed

ROOT = Path(__file__).resolve().parents[2]

__all__ = ["Outcome", "SwarmStack", "Traffic", "describe", "failures", "timed"]


def docker(*args: str, timeout: float = 120, **kwargs: Any) -> str:
    """Run `docker ARGS` and return its stdout."""
    kwargs.setdefault("check", True)
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout, **kwargs)
    return result.stdout


class SwarmStack:
    """The stack scripts/swarm.sh deployed, as the tests look at it and change it."""

    def __init__(self, name: str, gateway_url: str) -> None:
        self.name = name
        self.gateway_url = gateway_url.rstrip("/")

    def service(self, short: str) -> str:
        return f"{self.name}_{short}"

    def services(self) -> list[str]:
        """The full names of every service of the stack."""
        out = docker("service", "ls", "--filter", f"label=com.docker.stack.namespace={self.name}", "-q")
        names = docker("service", "inspect", "--format", "{{.Spec.Name}}", *out.split()) if out else ""
        return names.split()

    def inspect(self, short: str) -> dict[str, Any]:
        return dict(json.loads(docker("service", "inspect", self.service(short)))[0])

    def running_tasks(self, short: str) -> list[dict[str, Any]]:
        out = docker(
            "service", "ps", "--filter", "desired-state=running", "--no-trunc", "--format", "{{json .}}",
            self.service(short),
        )  # fmt: skip
        return [json.loads(line) for line in out.splitlines()]

    def containers(self, short: str) -> list[str]:
        """Ids of the running containers of a service."""
        label = f"label=com.docker.swarm.service.name={self.service(short)}"
        return docker("ps", "-q", "--filter", label).split()

    def wait_for_containers(self, short: str, count: int, timeout: float = 60) -> None:
        """Until `count` containers of the service run: the stopped ones have drained and exited."""
        deadline = time.monotonic() + timeout
        while len(self.containers(short)) != count:
            assert time.monotonic() < deadline, f"{short}: not {count} containers after {timeout} s"
            time.sleep(0.5)

    def container_inspect(self, container: str) -> dict[str, Any]:
        return dict(json.loads(docker("inspect", container))[0])

    def exec(self, short: str, *command: str) -> str:
        return docker("exec", self.containers(short)[0], *command)

    def psql(self, sql: str) -> str:
        """One statement in the stack's database, as the postgres user over the local socket."""
        return self.exec("postgres", "psql", "-U", "shop", "-d", "shop", "-tAc", sql).strip()

    def wait_converged(self, timeout: int = 240) -> None:
        """scripts/swarm.sh wait: every service at its replicas, on its current spec, healthy."""
        env = {**os.environ, "SWARM_STACK": self.name, "SWARM_WAIT_TIMEOUT": str(timeout)}
        script = str(ROOT / "scripts" / "swarm.sh")
        subprocess.run(["bash", script, "wait"], env=env, check=True, timeout=timeout + 60)


def failures(outcomes: list[Outcome]) -> list[Outcome]:
    """Calls that got no answer or an answer other than 2xx."""
    return [o for o in outcomes if o.status is None or not 200 <= o.status < 300]


def describe(outcomes: list[Outcome]) -> str:
    counts = Counter(f"{o.what}:{o.status}" for o in outcomes)
    slowest = max((o.elapsed for o in outcomes), default=0.0)
    return f"{dict(counts)}, slowest {slowest:.2f} s"
