"""Search suggestions in the header: live while typing, newest input wins, keyboard choice."""

from __future__ import annotations

import contextlib
from urllib.parse import parse_qs, urlparse

from e2e_support import open_app
from playwright.sync_api import Page, Route, expect
from stack_client import Browser


def query_of(url: str) -> str:
    return parse_qs(urlparse(url).query).get("q", [""])[0]


def test_suggestions_appear_while_typing(page: Page, base_url: str) -> None:
    open_app(page, base_url)
    page.locator("#search-input").press_sequentially("Desk La")

    expect(page.locator("#suggestions")).to_be_visible()
    expect(page.locator("#suggestions li[role=option]").first).to_contain_text("Desk Lamp")
    expect(page.locator("#search-input")).to_have_attribute("aria-expanded", "true")


def test_suggestions_follow_the_latest_keystroke(page: Page, base_url: str) -> None:
    """A slow answer for "la" must not replace the list already drawn for "lamp"."""
    held: list[Route] = []

    def hold_old_query(route: Route) -> None:
        if query_of(route.request.url).lower() == "la":
            held.append(route)  # answered only after the newer query has rendered
        else:
            route.continue_()

    page.route("**/api/catalog/goods?*", hold_old_query)
    old_settled: list[str] = []  # "finished" / "failed" events of the "la" request
    page.on("requestfinished", lambda r: query_of(r.url) == "la" and old_settled.append("finished"))
    page.on("requestfailed", lambda r: query_of(r.url) == "la" and old_settled.append("failed"))
    open_app(page, base_url)
    search = page.locator("#search-input")

    with page.expect_request(lambda r: "/api/catalog/goods?" in r.url and query_of(r.url) == "la"):
        search.press_sequentially("la")
    search.press_sequentially("mp")

    expected = Browser(base_url).get("/api/catalog/goods", params={"q": "lamp", "limit": 8}).json()["items"]
    expected_names = [g["name"] for g in expected]
    assert any("Lamp" in n for n in expected_names)
    names = page.locator("#suggestions .suggestion-name")
    expect(names).to_have_text(expected_names)

    # now let the stale "la" answer through (the page may already have aborted it)
    assert held, "the request for 'la' was never sent"
    for route in held:
        with contextlib.suppress(Exception):  # an aborted request can no longer be continued
            route.continue_()
    if not old_settled:
        page.wait_for_event("requestfinished", lambda r: query_of(r.url) == "la", timeout=5_000)
    page.evaluate("() => new Promise((done) => setTimeout(done, 50))")  # let its handlers run
    expect(names).to_have_text(expected_names)
    expect(page.locator("#suggestions")).not_to_contain_text("Laptop Stand")


def test_suggestion_chosen_with_arrow_keys_and_enter_opens_the_good(page: Page, base_url: str) -> None:
    open_app(page, base_url)
    search = page.locator("#search-input")
    search.press_sequentially("lamp")
    options = page.locator("#suggestions li.suggestion")
    expect(options.nth(1)).to_be_visible()

    search.press("ArrowDown")
    search.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(options.nth(0)).to_have_attribute("aria-selected", "false")
    expect(search).to_have_attribute("aria-activedescendant", "suggestion-1")
    search.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    search.press("ArrowDown")

    good_id = options.nth(1).get_attribute("data-good-id")
    good_name = options.nth(1).locator(".suggestion-name").inner_text()
    search.press("Enter")

    expect(page).to_have_url(f"{base_url}/#/goods/{good_id}")
    expect(page.locator("#good-name")).to_have_text(good_name)
    expect(page.locator("#suggestions")).to_be_hidden()
