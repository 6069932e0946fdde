"""One fixture brings the whole stack up and down for the black-box tests.

STACK_MODE=compose runs it with `docker compose up -d --wait`; STACK_MODE=local runs
the same system as local processes (stack/stack.py); the default, auto, picks compose
when a Docker engine with Compose v2 answers. STACK_GATEWAY_URL (with STACK_CATALOG_URL
and STACK_SESSION_URL) points the tests at a stack that is already running instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "stack"))

from stack import LocalStack  # noqa: E402

# The suite signs in often from one address, so it runs the gateway with a looser login
# limit than production's default; the rate-limit test sends more than the burst.
LOGIN_RATE = os.environ.get("STACK_LOGIN_RATE", "300r/m")
LOGIN_BURST = int(os.environ.get("STACK_LOGIN_BURST", "30"))


@dataclass
class Stack:
    mode: str
    gateway_url: str
    catalog_url: str
    session_url: str
    compose_project: str | None = None
    compose_env: dict[str, str] = field(default_factory=dict)
    local: LocalStack | None = None


def docker_usable() -> bool:
    """True when a Docker engine and Compose v2 answer."""
    try:
        for cmd in (["docker", "info"], ["docker", "compose", "version"]):
            subprocess.run(cmd, check=True, capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


def stack_mode() -> str:
    mode = os.environ.get("STACK_MODE", "auto")
    if mode == "auto":
        return "compose" if docker_usable() else "local"
    if mode not in {"compose", "local"}:
        raise pytest.UsageError(f"STACK_MODE must be auto, compose or local, not {mode!r}")
    return mode


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    if os.environ.get("STACK_GATEWAY_URL"):
        yield Stack(
            "external",
            os.environ["STACK_GATEWAY_URL"],
            os.environ.get("STACK_CATALOG_URL", ""),
            os.environ.get("STACK_SESSION_URL", ""),
        )
        return
    mode = stack_mode()
    print(f"\n[stack] mode: {mode}", flush=True)
    if mode == "compose":
        yield from compose_stack()
    else:
        yield from local_stack()


def local_stack() -> Iterator[Stack]:
    local = LocalStack(login_rate=LOGIN_RATE, login_burst=LOGIN_BURST).start()
    try:
        yield Stack("local", local.gateway_url, local.catalog_url, local.session_url, local=local)
    finally:
        local.stop()


def compose_stack() -> Iterator[Stack]:
    from compose_support import compose_stack as run_compose  # kept beside the compose scripts

    yield from run_compose(Stack)


# ---- small helpers the tests share --------------------------------------------------------


class Browser(requests.Session):
    """A requests session that behaves like the UI: JSON, XHR header, CSRF token on unsafe calls."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.csrf_token: str | None = None
        self.headers["X-Requested-With"] = "XMLHttpRequest"

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if url.startswith("/"):
            url = self.base_url + url
        headers = kwargs.pop("headers", None) or {}
        if method.upper() not in {"GET", "HEAD", "OPTIONS"} and self.csrf_token:
            headers.setdefault("X-CSRF-Token", self.csrf_token)
        kwargs.setdefault("timeout", 10)
        return super().request(method, url, *args, headers=headers, **kwargs)

    def sign_up(self, username: str, password: str = "correct-horse-1") -> dict[str, Any]:
        response = self.post("/api/catalog/users", json={"username": username, "password": password})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def sign_in(
        self, username: str, password: str = "correct-horse-1", remember: bool = False
    ) -> dict[str, Any]:
        response = self.post(
            "/api/session/login", json={"username": username, "password": password, "remember": remember}
        )
        assert response.status_code == 200, response.text
        body = dict(response.json())
        self.csrf_token = body["csrf_token"]
        return body


@pytest.fixture
def browser(stack: Stack) -> Browser:
    return Browser(stack.gateway_url)


@pytest.fixture
def unique_name() -> str:
    """A name no other test uses, valid as a username (3-32 of letters, digits, _)."""
    return "u_" + uuid.uuid4().hex[:12]


@pytest.fixture
def signed_in(browser: Browser, unique_name: str) -> Browser:
    browser.sign_up(unique_name)
    browser.sign_in(unique_name)
    return browser
