"""Helpers for the browser end-to-end tests (kept out of conftest.py so they can be imported)."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Page, expect
from stack_client import Browser

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "correct-horse-1"

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}

# Chromium logs every 4xx/5xx answer as a network console line; the UI expects some of them
# (404 from /me/goods/<id> for a good that is not yours, 409/422 on forms). These are not script
# errors. A signed-out visitor who only opens screens must not see even these (ConsoleWatch.strict).
EXPECTED_4XX = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d\b")

# Runs before the app's scripts in every page: reports CSP violations as console errors, so a
# violation fails the test even if Chromium's own "Refused to ..." line were filtered.
CSP_REPORTER = """
document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
"""


@dataclass
class ConsoleWatch:
    """Console errors and uncaught page errors seen by one page."""

    errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=lambda: [EXPECTED_4XX])

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def strict(self) -> None:
        """Allow nothing, not even the network lines of expected 4xx answers."""
        self.allowed = []

    def take(self) -> list[str]:
        """Return the errors seen so far and start over (to check one screen at a time)."""
        errors, self.errors = self.errors, []
        return errors

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))

    def _on_console(self, message: Any) -> None:
        if message.type != "error":
            return
        text = message.text
        if "CSP violation" in text or "Content Security Policy" in text:
            self.errors.append(text)  # never filtered
        elif not any(p.search(text) for p in self.allowed):
            self.errors.append(text)

    def unexpected(self) -> list[str]:
        return list(self.errors)


class NavigationCounter:
    """Counts full page loads; a partial refresh must not add any."""

    def __init__(self, page: Page) -> None:
        self.loads = 0
        page.on("load", self._on_load)

    def _on_load(self, _page: Page) -> None:
        self.loads += 1


def unique(prefix: str = "e2e") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:10]}"


def api_sign_in(client: Browser, username: str, password: str = PASSWORD) -> None:
    """Sign in through the API. The password check is deliberately slow and this machine may be
    busy, so a 503 ("sign-in unavailable": the 2 s credential check timed out) is retried."""
    for _ in range(3):
        response = client.post(
            "/api/session/login", json={"username": username, "password": password, "remember": False}
        )
        if response.status_code != 503:
            break
    assert response.status_code == 200, response.text
    client.csrf_token = response.json()["csrf_token"]


def api_user(base_url: str, username: str | None = None) -> Browser:
    """A fresh account, signed in through the API (for setup and for checking the database)."""
    client = Browser(base_url)
    name = username or unique("u")
    client.sign_up(name, PASSWORD)
    api_sign_in(client, name)
    client.username = name  # type: ignore[attr-defined]
    return client


def create_good(client: Browser, name: str, price: str = "9.99", description: str | None = None) -> dict:
    response = client.post(
        "/api/catalog/goods", json={"name": name, "price": price, "description": description}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def owners_of(base_url: str, good_id: int) -> list[str]:
    """Usernames linked to a good, read straight from catalog-service through the gateway."""
    response = Browser(base_url).get(f"/api/catalog/goods/{good_id}/users")
    assert response.status_code == 200, response.text
    return [u["username"] for u in response.json()["items"]]


def share_session(context: BrowserContext, base_url: str, client: Browser) -> None:
    """Give the browser the API client's session cookie: the page starts signed in as that user
    without a second (slow) password check."""
    context.add_cookies([{"name": c.name, "value": c.value or "", "url": base_url} for c in client.cookies])


def open_app(page: Page, base_url: str, route: str = "#/") -> None:
    """Load the app at a route and wait until the router has drawn a screen."""
    page.goto(f"{base_url}/{route}")
    expect(page.locator("#main section[data-screen]")).to_have_count(1)


def sign_in_ui(page: Page, username: str, password: str = PASSWORD, remember: bool = False) -> None:
    page.locator("#nav-signin").click()
    page.locator("#signin-username").fill(username)
    page.locator("#signin-password").fill(password)
    page.locator("#signin-remember").set_checked(remember)
    page.locator("#signin-submit").click()
    expect(page.locator("#current-user")).to_have_text(f"Signed in as {username}")


def sign_out_ui(page: Page) -> None:
    page.locator("#sign-out").click()
    expect(page.locator("#nav-signin")).to_be_visible()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def has_horizontal_scroll(page: Page) -> bool:
    return bool(
        page.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth")
    )


def focus_is_visible(page: Page) -> bool:
    """The focused element draws a focus indicator (outline or box-shadow)."""
    return bool(
        page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return false;
              const s = getComputedStyle(el);
              const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
              return outline || (s.boxShadow && s.boxShadow !== 'none');
            }"""
        )
    )


def tab_to(page: Page, selector: str, limit: int = 40, backwards: bool = False) -> None:
    """Press Tab until the element matching selector has focus; fail if it never does."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} never received focus after {limit} presses of {key}")
