"""One fixture brings the whole stack up and down for the black-box tests.

STACK_MODE=compose runs it with `docker compose up -d --wait`; STACK_MODE=local runs
the same system as local processes (stack/stack.py); the default, auto, picks compose
when a Docker engine with Compose v2 answers. STACK_GATEWAY_URL (with STACK_CATALOG_URL
and STACK_SESSION_URL, and STACK_GATEWAY_HTTPS_URL with STACK_CA_FILE for HTTPS) points the
tests at a stack that is already running instead.

The compose stack includes the observability profile (deploy/compose/observability.yml: Prometheus
and the exporters) with a quick Prometheus made from the real configuration and rules
(shop_stack.observability): scrapes and DNS refreshes every 2 s, rules every second, no alert's
`for` longer than a second.

The gateway's HTTPS listener (when it has one) serves tests/integration; the other suites use
plain HTTP, so both listeners carry a whole suite. Its CA is the one requests trusts meanwhile.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator

import pytest
from shop_stack.compose import ComposeStack
from shop_stack.local import LocalStack
from shop_stack.settings import setting
from shop_stack.tls import dev_ca_file
from stack_client import LOGIN_BURST, LOGIN_RATE, Browser, Stack

# A fresh build pulls the base images and builds every service.
UP_TIMEOUT = int(os.environ.get("STACK_COMPOSE_UP_TIMEOUT", "1500"))


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


def with_tls(stack: Stack, https_url: str, ca_file: str) -> Stack:
    """`stack` with both listeners named; requests trusts `ca_file` while the session runs."""
    stack.gateway_http_url = stack.gateway_url
    stack.gateway_https_url = https_url
    stack.ca_file = ca_file
    if ca_file:
        os.environ["REQUESTS_CA_BUNDLE"] = ca_file  # read by requests on every call
    return stack


def own_ca_file() -> str:
    """The development CA, unless TLS_CERT_FILE names a certificate of the person's own."""
    return "" if os.environ.get("TLS_CERT_FILE") else str(dev_ca_file())


@pytest.fixture(scope="session")
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    try:
        yield from any_stack(request)
    finally:
        os.environ.pop("REQUESTS_CA_BUNDLE", None)
        if ca_bundle is not None:
            os.environ["REQUESTS_CA_BUNDLE"] = ca_bundle


def any_stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    if os.environ.get("STACK_GATEWAY_URL"):
        external = Stack(
            "external",
            os.environ["STACK_GATEWAY_URL"],
            os.environ.get("STACK_CATALOG_URL", ""),
            os.environ.get("STACK_SESSION_URL", ""),
        )
        https_url = os.environ.get("STACK_GATEWAY_HTTPS_URL", "")
        yield with_tls(external, https_url, os.environ.get("STACK_CA_FILE", ""))
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
        plain = Stack("local", local.gateway_url, local.catalog_url, local.session_url, local=local)
        yield with_tls(plain, local.gateway_https_url, own_ca_file() if local.gateway_https_url else "")
    finally:
        if tests_failed():
            local.print_logs()
        local.stop()


def compose_stack(tests_failed: Callable[[], bool]) -> Iterator[Stack]:
    """The compose project for the session; STACK_COMPOSE_KEEP=1 leaves it running for a look afterwards.

    Its `ps` and logs are saved and printed at teardown when a test failed (or STACK_COMPOSE_LOGS=1)."""
    project = os.environ.get("STACK_COMPOSE_PROJECT") or f"shoptest{uuid.uuid4().hex[:8]}"
    # With the observability profile, its Prometheus quick (see above): tests/compose read it, and the
    # fault tests' PostgreSQL-down alert check.
    compose = ComposeStack(
        project,
        LOGIN_RATE,
        LOGIN_BURST,
        echo=True,
        up_timeout=UP_TIMEOUT,
        observability=True,
        quick_prometheus=True,
    ).start()
    failed = True
    try:
        urls = (compose.gateway_url, compose.catalog_url, compose.session_url)
        plain = Stack("compose", *urls, compose=compose)
        yield with_tls(plain, compose.gateway_https_url, own_ca_file() if compose.gateway_https_url else "")
        failed = False
    finally:
        if os.environ.get("STACK_COMPOSE_KEEP") == "1":
            print(f"[stack] STACK_COMPOSE_KEEP=1: leaving project {project} running", flush=True)
        else:
            compose.stop(show_logs=failed or tests_failed() or os.environ.get("STACK_COMPOSE_LOGS") == "1")


@pytest.fixture(scope="session")
def internal_secret(stack: Stack) -> str:
    """The secret both services share, to sign an X-Identity for a direct call: what the stack runs with."""
    if stack.mode not in ("local", "compose"):
        pytest.skip("needs a stack this session started")
    return setting("INTERNAL_SECRET")


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
