"""The API explorer at /api/docs: both services' documents, "Try it out" through the gateway, a clean
console under its Content-Security-Policy."""

from __future__ import annotations

from e2e_support import api_user, share_session
from playwright.sync_api import BrowserContext, Locator, Page, expect


def operation(page: Page, method: str, path: str) -> Locator:
    """One operation's block, opened, with "Try it out" pressed."""
    block = page.locator(f".opblock.opblock-{method}:has(.opblock-summary-path[data-path='{path}'])")
    block.locator(".opblock-summary").click()
    block.locator(".try-out__btn").click()
    return block


def test_api_docs_tries_get_goods_and_shows_the_answer(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/api/docs/")
    expect(page.locator(".information-container .title")).to_contain_text("catalog")
    goods = operation(page, "get", "/goods")
    with page.expect_response(lambda r: "/api/catalog/goods" in r.url) as answer:
        goods.locator(".execute").click()
    assert answer.value.status == 200
    expect(goods.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(goods.locator(".live-responses-table tbody .response-col_description")).to_contain_text('"items"')


def test_api_docs_switches_to_session_service(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/api/docs/")
    expect(page.locator(".information-container .title")).to_contain_text("catalog")
    page.locator("#api-docs-spec").select_option("/api/session/openapi.json")
    expect(page.locator(".information-container .title")).to_contain_text("session")


def test_api_docs_unsafe_calls_carry_the_csrf_token(
    page: Page, context: BrowserContext, base_url: str
) -> None:
    user = api_user(base_url)
    share_session(context, base_url, user)
    page.goto(f"{base_url}/api/docs/#/api/catalog/openapi.json")
    add = operation(page, "put", "/me/goods/{good_id}")
    add.locator("input[placeholder='good_id']").fill("1")
    with page.expect_request(lambda r: r.method == "PUT") as sent:
        add.locator(".execute").click()
    assert sent.value.headers.get("x-csrf-token") == user.csrf_token
    expect(add.locator(".live-responses-table tbody .response-col_status").first).to_have_text("201")
