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
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "stack"))
sys.path.insert(0, str(ROOT / "scripts" / "docker"))

from stack_client import LOGIN_BURST, LOGIN_RATE, Browser, Stack  # noqa: E402

from stack import LocalStack  # noqa: E402


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
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if os.environ.get("STACK_GATEWAY_URL"):
        yield Stack(
            "external",
            os.environ["STACK_GATEWAY_URL"],
            os.environ.get("STACK_CATALOG_URL", ""),
            os.environ.get("STACK_SESSION_URL", ""),
        )
        return

    def tests_failed() -> bool:
        # A failed test never reaches a fixture as an exception: ask the session.
        return bool(request.session.testsfailed)

    mode = stack_mode()
    print(f"\n[stack] mode: {mode}", flush=True)
    if mode == "compose":
        yield from compose_stack(tests_failed)
    else:
        yield from local_stack(tests_failed)


def local_stack(tests_failed: Callable[[], bool]) -> Iterator[Stack]:
    local = LocalStack(login_rate=LOGIN_RATE, login_burst=LOGIN_BURST).start()
    try:
        yield Stack("local", local.gateway_url, local.catalog_url, local.session_url, local=local)
    finally:
        if tests_failed():
            local.print_logs()
        local.stop()


def compose_stack(tests_failed: Callable[[], bool]) -> Iterator[Stack]:
    from compose_support import compose_stack as run_compose  # scripts/docker, beside the shell scripts

    yield from run_compose(Stack, tests_failed)


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
