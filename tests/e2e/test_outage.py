"""With session-service down the UI says so, with the request id, and recovers when it is back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import requests
from e2e_support import PASSWORD, ConsoleWatch, api_user, open_app
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]


def stop_session_service(stack: Any) -> None:
    if stack.mode == "local":
        stack.local.stop_part("session")
        return
    compose(stack, "stop", "session-service")


def start_session_service(stack: Any) -> None:
    if stack.mode == "local":
        stack.local.restart_part("session")  # waits for /readyz
        return
    compose(stack, "start", "session-service")
    deadline = time.monotonic() + 60
    while not ready(f"{stack.gateway_url}/api/session/readyz"):
        assert time.monotonic() < deadline, "session-service did not come back within 60 s"
        time.sleep(0.5)
    wait_for_host_links_to_settle()


def wait_for_host_links_to_settle(timeout: float = 10.0) -> None:
    """Wait until every veth on the host has its IPv6 link-local address, and a moment more.

    A started container's host-side veth gets that address about 1.5 s after it comes up.
    Chromium takes the new address for a network change and fails whatever requests are in
    flight with net::ERR_NETWORK_CHANGED: a page of the next test, in the same browser, would
    fail to load (seen in CI). Nothing to wait for without `ip` or with IPv6 off.
    """
    ipv6_off = Path("/proc/sys/net/ipv6/conf/default/disable_ipv6")
    if shutil.which("ip") is None or not ipv6_off.exists() or ipv6_off.read_text().strip() == "1":
        return

    def names(*args: str) -> set[str]:
        done = subprocess.run(["ip", "-o", *args], capture_output=True, text=True, timeout=10)
        lines = [line for line in done.stdout.splitlines() if ":" in line]
        return {line.split(":")[1].split()[0].split("@")[0] for line in lines}  # "7: veth1@if6: ..."

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        settled = names("link", "show", "type", "veth") <= names("-6", "addr", "show", "scope", "link")
        if settled and not names("-6", "addr", "show", "tentative"):
            time.sleep(1.0)  # Chromium hears of the address through netlink, a little later
            return
        time.sleep(0.2)


def compose(stack: Any, *args: str) -> None:
    subprocess.run(
        ["docker", "compose", "-p", stack.compose_project, *args],
        cwd=ROOT,
        env={**os.environ, **stack.compose_env},
        check=True,
        capture_output=True,
        timeout=120,
    )


def ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_session_service_down_shows_an_error_with_request_id_and_recovers(
    page: Page, base_url: str, stack: Any, console: ConsoleWatch
) -> None:
    console.allow(r"status of 50[234]\b")  # the gateway's answers while the service is down
    name = api_user(base_url).username  # type: ignore[attr-defined]
    open_app(page, base_url, "#/signin")

    stop_session_service(stack)
    try:
        page.locator("#signin-username").fill(name)
        page.locator("#signin-password").fill(PASSWORD)
        # the first failing call (the CSRF fetch before the login, or the login itself) is shown
        with page.expect_response(lambda r: "/api/session/" in r.url) as answer:
            page.locator("#signin-submit").click()
        assert answer.value.status >= 500
        request_id = answer.value.headers["x-request-id"]
        expect(page.locator("#signin-error")).to_contain_text(f"request id {request_id}")
        expect(page.locator("#signin-submit")).to_be_enabled()  # not stuck "busy"
        expect(page.locator("#current-user")).to_be_hidden()

        # a fresh load while it is down: the app still starts, says what went wrong, lists goods
        page.reload()
        expect(page.locator("#message")).to_have_attribute("data-kind", "error")
        expect(page.locator("#message")).to_contain_text(re.compile(r"request id [A-Za-z0-9._-]{8,}"))
        page.locator("#nav-home").click()
        expect(page.locator("#goods-list li").first).to_be_visible()
    finally:
        start_session_service(stack)

    page.locator("#nav-signin").click()
    page.locator("#signin-username").fill(name)
    page.locator("#signin-password").fill(PASSWORD)
    page.locator("#signin-submit").click()
    expect(page.locator("#current-user")).to_have_text(f"Signed in as {name}")
    expect(page.locator("#message")).not_to_have_attribute("data-kind", "error")
