"""Keyboard-only use with a visible focus, and user-supplied names shown as text, never markup."""

from __future__ import annotations

from e2e_support import PASSWORD, api_user, create_good, focus_is_visible, open_app, owners_of, tab_to, unique
from playwright.sync_api import Page, expect


def tab_and_check(page: Page, selector: str) -> None:
    tab_to(page, selector)
    assert focus_is_visible(page), f"{selector} has focus but no visible focus indicator"


def test_everything_works_from_the_keyboard_with_visible_focus(page: Page, base_url: str) -> None:
    user = api_user(base_url)
    name = user.username  # type: ignore[attr-defined]
    good = create_good(user, unique("Keyboard Kettle"))
    open_app(page, base_url)
    keys = page.keyboard

    # sign in
    tab_and_check(page, "#nav-signin")
    keys.press("Enter")
    expect(page.locator("#signin-username")).to_be_focused()
    keys.type(name)
    tab_and_check(page, "#signin-password")
    keys.type(PASSWORD)
    tab_and_check(page, "#signin-submit")
    keys.press("Enter")
    expect(page.locator("#current-user")).to_have_text(f"Signed in as {name}")

    # search and choose a suggestion
    tab_and_check(page, "#search-input")
    keys.type(good["name"])
    expect(page.locator("#suggestion-0")).to_contain_text(good["name"])
    keys.press("ArrowDown")
    expect(page.locator("#suggestion-0")).to_have_attribute("aria-selected", "true")
    keys.press("Enter")
    expect(page.locator("#good-name")).to_have_text(good["name"])

    # add the good
    tab_and_check(page, "#toggle-mine")
    expect(page.locator("#toggle-mine")).to_have_attribute("data-mine", "false")
    keys.press("Enter")
    expect(page.locator("#toggle-mine")).to_have_attribute("data-mine", "true")
    assert owners_of(base_url, good["id"]) == [name]

    # open my goods and sign out
    tab_and_check(page, "#nav-my-goods")
    keys.press("Enter")
    expect(page.locator("#my-goods-list")).to_contain_text(good["name"])
    tab_and_check(page, "#sign-out")
    keys.press("Enter")
    expect(page.locator("#nav-signin")).to_be_visible()
    expect(page.locator("#current-user")).to_be_hidden()


XSS_NAME = '<img src=x onerror="window.__xss=1">'


def test_markup_in_a_good_name_renders_as_text(page: Page, base_url: str) -> None:
    marker = unique("xss")
    name = f"{XSS_NAME} {marker}"
    good = create_good(api_user(base_url), name)
    open_app(page, base_url, f"#/goods/{good['id']}")

    expect(page.locator("#good-name")).to_have_text(name)
    expect(page.locator("#good-name img")).to_have_count(0)

    page.locator("#search-input").press_sequentially(marker)
    suggestion = page.locator("#suggestion-0 .suggestion-name")
    expect(suggestion).to_have_text(name)
    expect(page.locator("#suggestions img")).to_have_count(0)

    page.locator("#search-input").press("Enter")
    expect(page.locator("#goods-list li.good-row")).to_have_count(1)
    expect(page.locator("#goods-list .good-link")).to_have_text(name)
    expect(page.locator("#main img")).to_have_count(0)
    assert page.evaluate("() => typeof window.__xss") == "undefined"
