"""A good's page and "my goods": add/remove without a page load, filter, paging, recently viewed."""

from __future__ import annotations

from urllib.parse import urlparse

from e2e_support import (
    NavigationCounter,
    api_user,
    create_good,
    open_app,
    owners_of,
    share_session,
    unique,
)
from playwright.sync_api import BrowserContext, Page, Request, expect
from stack_client import Browser

RECENT_ITEMS = "/api/session/data/recent_goods/items"


def assert_same_document(page: Page, loads: NavigationCounter) -> None:
    assert page.evaluate("() => window.__marker") == 1, "the page was reloaded"
    assert loads.loads == 0, "a full page load happened"


def test_adding_and_removing_a_good_updates_the_page_without_navigation(
    page: Page, context: BrowserContext, base_url: str
) -> None:
    user = api_user(base_url)
    name = user.username  # type: ignore[attr-defined]
    good = create_good(user, unique("Teapot"))
    share_session(context, base_url, user)
    open_app(page, base_url, f"#/goods/{good['id']}")
    toggle = page.locator("#toggle-mine")
    expect(toggle).to_have_attribute("data-mine", "false")
    expect(page.locator("#owners-count")).to_have_attribute("data-count", "0")
    page.evaluate("() => { window.__marker = 1; }")
    loads = NavigationCounter(page)

    toggle.click()
    expect(toggle).to_have_attribute("data-mine", "true")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#owners li")).to_have_text([name])
    expect(page.locator("#owners-count")).to_have_attribute("data-count", "1")
    expect(page.locator("#message")).to_have_attribute("data-kind", "success")
    assert_same_document(page, loads)
    assert owners_of(base_url, good["id"]) == [name]

    toggle.click()
    expect(toggle).to_have_attribute("data-mine", "false")
    expect(page.locator("#owners-count")).to_have_attribute("data-count", "0")
    expect(page.locator("#owners li")).to_have_count(0)
    expect(page.locator("#owners-empty")).to_be_visible()
    assert_same_document(page, loads)
    assert owners_of(base_url, good["id"]) == []


def test_opening_a_good_then_adding_and_removing_it_takes_nine_api_calls(
    page: Page, context: BrowserContext, base_url: str
) -> None:
    """Signed in: open the page, add the good, remove it. It took 12 calls (16 when the name search
    for "is it mine?" ran five pages): /me, a GET of the good after each change, and a GET then a PUT
    of the viewing history. Now the add and remove answers carry the new count, "is it mine?" is one
    GET of /me/goods/<id> and the history is one POST."""
    user = api_user(base_url)
    good = create_good(user, unique("Counted Cup"))
    share_session(context, base_url, user)
    calls: list[str] = []

    def record(request: Request) -> None:
        url = urlparse(request.url)
        if url.path.startswith("/api/"):
            calls.append(f"{request.method} {url.path}" + (f"?{url.query}" if url.query else ""))

    page.on("request", record)
    toggle = page.locator("#toggle-mine")
    with page.expect_response(lambda r: r.url.endswith(RECENT_ITEMS)):
        open_app(page, base_url, f"#/goods/{good['id']}")
    expect(toggle).to_have_attribute("data-mine", "false")
    expect(page.locator("#owners-empty")).to_be_visible()

    toggle.click()
    expect(page.locator("#owners li")).to_have_count(1)
    expect(page.locator("#owners-count")).to_have_attribute("data-count", "1")
    toggle.click()
    expect(page.locator("#owners-count")).to_have_attribute("data-count", "0")
    expect(page.locator("#owners-empty")).to_be_visible()
    page.wait_for_load_state("networkidle")

    me_good, owners = f"/api/catalog/me/goods/{good['id']}", f"/api/catalog/goods/{good['id']}/users"
    expected = [
        "GET /api/session/visitor",  # start-up: who is here (and the CSRF token)
        f"GET /api/catalog/goods/{good['id']}",
        f"GET {owners}",
        f"GET {me_good}",  # is it mine?
        f"POST {RECENT_ITEMS}",
        f"PUT {me_good}",  # its answer carries owners_count
        f"GET {owners}",  # the first page of owners, now with the user
        f"DELETE {me_good}",
        f"GET {owners}",
    ]
    assert sorted(calls) == sorted(expected)  # the three calls after the good's GET run side by side
    assert len(calls) == 9 < 12


def test_removing_from_my_goods_updates_the_list_without_navigation(
    page: Page, context: BrowserContext, base_url: str
) -> None:
    user = api_user(base_url)
    goods = [create_good(user, unique(f"Mug {i}")) for i in range(2)]
    for good in goods:
        assert user.put(f"/api/catalog/me/goods/{good['id']}").status_code == 201
    share_session(context, base_url, user)
    open_app(page, base_url, "#/my-goods")
    rows = page.locator("#my-goods-list li.good-row")
    expect(rows).to_have_count(2)
    page.evaluate("() => { window.__marker = 1; }")
    loads = NavigationCounter(page)

    page.locator(f"[data-testid=remove-good-{goods[0]['id']}]").click()
    expect(rows).to_have_count(1)
    expect(page.locator("#my-goods-list")).not_to_contain_text(goods[0]["name"])
    assert_same_document(page, loads)
    assert owners_of(base_url, goods[0]["id"]) == []
    assert owners_of(base_url, goods[1]["id"]) == [user.username]  # type: ignore[attr-defined]


def test_my_goods_filter_and_paging(page: Page, context: BrowserContext, base_url: str) -> None:
    user = api_user(base_url)
    demo = Browser(base_url).get("/api/catalog/goods", params={"limit": 50}).json()["items"]
    assert len(demo) >= 23
    for good in demo[:23]:
        assert user.put(f"/api/catalog/me/goods/{good['id']}").status_code == 201
    share_session(context, base_url, user)
    open_app(page, base_url, "#/my-goods")

    rows = page.locator("#my-goods-list li.good-row")
    expect(rows).to_have_count(20)
    more = page.locator("#my-goods-more")
    expect(more).to_be_visible()
    more.click()
    expect(rows).to_have_count(23)
    expect(more).to_be_hidden()
    ids = [int(i) for i in rows.evaluate_all("(rows) => rows.map((r) => r.dataset.goodId)")]
    assert sorted(ids) == sorted(g["id"] for g in demo[:23]), "every linked good exactly once"

    target = demo[5]["name"]
    page.locator("#my-goods-filter").fill(target)
    expect(rows.first).to_contain_text(target)
    for text in rows.all_inner_texts():
        assert target.lower() in text.lower()
    expect(more).to_be_hidden()

    page.locator("#my-goods-filter").fill(unique("nothing"))
    expect(rows).to_have_count(0)
    expect(page.locator("#my-goods-empty")).to_be_visible()


def test_recently_viewed_goods_survive_a_reload(page: Page, context: BrowserContext, base_url: str) -> None:
    user = api_user(base_url)
    viewed = [create_good(user, unique(f"Vase {i}")) for i in range(2)]
    share_session(context, base_url, user)
    open_app(page, base_url)
    for good in viewed:
        with page.expect_request(lambda r: r.method == "POST" and r.url.endswith(RECENT_ITEMS)) as add:
            page.goto(f"{base_url}/#/goods/{good['id']}")
            expect(page.locator("#good-name")).to_have_text(good["name"])
        add.value.response()

    page.goto(f"{base_url}/#/my-goods")
    recent = page.locator("#recent-goods li")
    newest_first = [viewed[1]["name"], viewed[0]["name"]]
    expect(recent.first).to_have_text(newest_first[0])
    expect(recent.nth(0)).to_have_text(newest_first[0])
    expect(recent.nth(1)).to_have_text(newest_first[1])

    page.reload()
    expect(recent.nth(0)).to_have_text(newest_first[0])
    expect(recent.nth(1)).to_have_text(newest_first[1])
