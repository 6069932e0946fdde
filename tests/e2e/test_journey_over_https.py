"""The journey once over HTTPS, in a Chromium that trusts the development CA the way a person's does.

Chromium on Linux takes user-added roots from the NSS database in $HOME/.pki/nssdb: the browser here
gets a HOME of its own with only the development CA added there (certutil, Debian's libnss3-tools),
the same steps as README's "Trust the development CA". Nothing ignores certificate errors.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_REPORTER,
    DESKTOP,
    ConsoleWatch,
    api_user,
    create_good,
    open_app,
    sign_in_ui,
    sign_out_ui,
    unique,
)
from playwright.sync_api import expect


@pytest.fixture(scope="module")
def https_url(stack: Any) -> str:
    if not (stack.gateway_https_url and stack.ca_file):
        pytest.skip("no gateway TLS listener with the development CA (GATEWAY_TLS=off or an own certificate)")
    return str(stack.gateway_https_url)


@pytest.fixture(scope="module")
def trusting_browser(chromium: Any, stack: Any, https_url: str, tmp_path_factory: Any) -> Iterator[Any]:
    certutil = shutil.which("certutil")
    if certutil is None:
        pytest.skip("certutil not found: install Debian's libnss3-tools (scripts/setup.sh does)")
    home: Path = tmp_path_factory.mktemp("chromium-home")
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run([certutil, "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    trust = [certutil, "-A", "-d", f"sql:{nssdb}", "-n", "shop development CA", "-t", "C,,"]
    subprocess.run([*trust, "-i", stack.ca_file], check=True)
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)}
    )
    try:
        yield browser
    finally:
        browser.close()


def test_the_journey_over_https(trusting_browser: Any, https_url: str) -> None:
    context = trusting_browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    context.add_init_script(CSP_REPORTER)
    console = ConsoleWatch()
    page = context.new_page()
    console.attach(page)
    try:
        user = api_user(https_url)
        good = create_good(user, unique("Lantern"))
        open_app(page, https_url)  # a certificate error would stop here
        sign_in_ui(page, user.username, remember=True)  # type: ignore[attr-defined]
        secure = {cookie["name"]: cookie["secure"] for cookie in context.cookies()}
        assert secure == {"sid": True, "remembered_username": True}

        open_app(page, https_url, f"#/goods/{good['id']}")
        toggle = page.locator("#toggle-mine")
        expect(toggle).to_have_attribute("data-mine", "false")  # shown once the page knows it is not yet mine
        toggle.click()
        expect(toggle).to_have_attribute("data-mine", "true")
        page.locator("#nav-my-goods").click()
        expect(page.locator("#my-goods-list")).to_contain_text(good["name"])
        sign_out_ui(page)
        assert console.unexpected() == [], "console errors / CSP violations on the page"
    finally:
        context.close()
