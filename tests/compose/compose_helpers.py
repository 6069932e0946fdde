"""What the compose-only tests share: the running project and how to drive `docker compose` on it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts" / "docker"))

from compose_support import SCALE_OVERRIDE, compose  # noqa: E402

LONG_RUNNING = ("gateway", "catalog-service", "session-service", "postgres", "redis")
PROJECT_CODE = ("gateway", "catalog-service", "session-service")


class ComposeStack:
    """The running compose project, as the tests drive it."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.project: str = stack.compose_project
        self.env: dict[str, str] = stack.compose_env

    def run(self, *args: str, scaled: bool = False, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        files = (SCALE_OVERRIDE,) if scaled else ()
        return compose(self.project, self.env, *args, files=files, **kwargs)

    def container_ids(self, service: str) -> list[str]:
        out = self.run("ps", "-q", service, capture_output=True).stdout
        return out.split()

    def inspect(self, container_id: str) -> dict[str, Any]:
        out = subprocess.run(
            ["docker", "inspect", container_id], check=True, capture_output=True, text=True
        ).stdout
        return dict(json.loads(out)[0])

    def wait_healthy(self) -> None:
        """`up -d --wait` on the plain file: the stack as the session fixture started it."""
        self.run("up", "-d", "--wait", "--wait-timeout", "300")
