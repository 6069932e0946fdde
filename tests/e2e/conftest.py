"""Browser fixtures for the end-to-end tests: one Chromium per session, a fresh context per test.

Playwright drives Debian's Chromium (/usr/bin/chromium); `playwright install` is never used.
Every page records console errors, uncaught errors and CSP violations; a test that leaves any
behind fails at teardown (Chromium's network lines for expected 4xx answers are filtered).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_support import CHROMIUM, CHROMIUM_ARGS, CSP_REPORTER, DESKTOP, ConsoleWatch


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install -y chromium) "
            "or point E2E_CHROMIUM at a Chromium binary"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def base_url(stack: Any) -> str:
    return str(stack.gateway_url).rstrip("/")


@pytest.fixture
def console() -> ConsoleWatch:
    return ConsoleWatch()


@pytest.fixture
def context(chromium: Any) -> Iterator[Any]:
    ctx = chromium.new_context(viewport=DESKTOP)
    ctx.set_default_timeout(10_000)
    ctx.add_init_script(CSP_REPORTER)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: Any, console: ConsoleWatch) -> Iterator[Any]:
    pg = context.new_page()
    console.attach(pg)
    yield pg
    assert console.unexpected() == [], "console errors / CSP violations on the page"
