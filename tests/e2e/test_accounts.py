"""Sign up, sign in with "remember me", sign out (and what Back shows afterwards)."""

from __future__ import annotations

from e2e_support import PASSWORD, api_user, create_good, open_app, sign_in_ui, sign_out_ui, unique
from playwright.sync_api import Page, expect


def test_signup_shows_taken_and_available_while_typing(page: Page, base_url: str) -> None:
    open_app(page, base_url, "#/signup")
    username = page.locator("#signup-username")
    status = page.locator("#signup-username-status")

    username.press_sequentially("alice")
    expect(status).to_have_attribute("data-state", "taken")
    expect(status).to_be_visible()

    username.fill("")
    username.press_sequentially(unique("new"))
    expect(status).to_have_attribute("data-state", "available")
    expect(status).to_contain_text("available")


def test_signup_puts_server_field_errors_next_to_the_right_field(page: Page, base_url: str) -> None:
    open_app(page, base_url, "#/signup")
    username = page.locator("#signup-username")
    username_error = page.locator("#signup-username-error")
    password_error = page.locator("#signup-password-error")
    page.locator("#signup-password").fill(PASSWORD)

    # the server rejects the name's form (422 with fields.username); the client does not pre-check it
    username.fill("a!")
    page.locator("#signup-submit").click()
    expect(username_error).not_to_be_empty()
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(password_error).to_be_empty()

    # a taken name answers 409, shown at the username as well
    username.fill("bob")
    with page.expect_response(lambda r: r.url.endswith("/api/catalog/users")) as answer:
        page.locator("#signup-submit").click()
    assert answer.value.status == 409
    expect(username_error).not_to_be_empty()
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#signup-username-status")).to_have_attribute("data-state", "taken")
    expect(password_error).to_be_empty()

    # a good name creates the account and signs in
    name = unique("new")
    username.fill(name)
    expect(username_error).to_be_empty()
    page.locator("#signup-submit").click()
    expect(page.locator("#current-user")).to_have_text(f"Signed in as {name}")
    expect(page.locator("section[data-screen=my-goods]")).to_be_visible()


def test_remember_me_prefills_the_username_and_forget_me_clears_it(page: Page, base_url: str) -> None:
    name = api_user(base_url).username  # type: ignore[attr-defined]
    open_app(page, base_url)
    sign_in_ui(page, name, remember=True)
    sign_out_ui(page)

    page.locator("#nav-signin").click()
    expect(page.locator("#signin-username")).to_have_value(name)
    expect(page.locator("#signin-remembered")).to_contain_text(name)
    expect(page.locator("#signin-remember")).to_be_checked()
    expect(page.locator("#signin-password")).to_be_focused()

    page.locator("#forget-me").click()
    expect(page.locator("#signin-username")).to_have_value("")
    expect(page.locator("#signin-remembered")).to_be_hidden()

    page.reload()
    expect(page.locator("#signin-form")).to_be_visible()
    expect(page.locator("#signin-remember")).not_to_be_checked()
    expect(page.locator("#signin-username")).to_have_value("")


def test_back_after_sign_out_shows_no_private_data(page: Page, base_url: str) -> None:
    owner = api_user(base_url)
    secret = create_good(owner, unique("Private thing"))
    assert owner.put(f"/api/catalog/me/goods/{secret['id']}").status_code == 201
    open_app(page, base_url)
    sign_in_ui(page, owner.username)  # type: ignore[attr-defined]
    page.locator("#nav-my-goods").click()
    expect(page.locator("#my-goods-list")).to_contain_text(secret["name"])

    sign_out_ui(page)
    expect(page.locator("section[data-screen=goods]")).to_be_visible()
    page.go_back()

    expect(page.locator("#signin-required")).to_be_visible()
    expect(page.locator("#main")).not_to_contain_text(secret["name"])
    expect(page.locator("#current-user")).to_be_hidden()
    expect(page.locator("#my-goods-list")).to_have_count(0)
