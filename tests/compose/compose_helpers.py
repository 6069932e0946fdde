"""What the compose-only tests share: the running project and how to drive `docker compose` on it."""

from __future__ import annotations

import json
import subprocess
from typing import Any

LONG_RUNNING = ("gateway", "catalog-service", "session-service", "postgres", "redis")
PROJECT_CODE = ("gateway", "catalog-service", "session-service")


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
