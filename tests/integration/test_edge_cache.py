"""The gateway's edge cache on the real stack: visitors share a search for the rest of a second, a new
good shows within that second's end, and a signed-in browser never gets a shared answer."""

import time
from urllib.parse import urlencode

import requests


def early_in_a_second() -> None:
    """Wait for the next second to start: an answer stored now has most of it to live."""
    time.sleep(1 - time.time() % 1 + 0.01)


def visitor_get(url: str) -> requests.Response:
    """A read as a visitor without cookies (a plain client, not the browser fixture)."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text
    return response


def until_shared(url: str) -> requests.Response:
    """Read as a visitor until the gateway answers from its cache. One gateway stores the first
    answer; with replicas (the Swarm stack runs two) each stores its own, so allow a few tries."""
    for _ in range(10):
        if (answer := visitor_get(url)).headers["X-Cache-Status"] == "HIT":
            return answer
    raise AssertionError(f"no shared answer in 10 visitor reads of {url}")


def names(response: requests.Response) -> list[str]:
    return [item["name"] for item in response.json()["items"]]


def test_a_new_good_shows_in_a_visitors_suggestions_within_a_second(stack, signed_in, unique_name):
    name = f"Edge lamp {unique_name}"
    url = f"{stack.gateway_url}/api/catalog/goods?" + urlencode({"q": name, "limit": 50})
    early_in_a_second()
    assert names(until_shared(url)) == []  # visitors now share an answer without the good

    created = signed_in.post("/api/catalog/goods", json={"name": name, "price": "3.00"})
    assert created.status_code == 201, created.text
    created_at = time.monotonic()
    # The signed-in browser (it has a session cookie) never gets the shared answer.
    mine = signed_in.get(url.removeprefix(stack.gateway_url))
    assert mine.headers["X-Cache-Status"] == "BYPASS"
    assert names(mine) == [name]

    while True:
        sent = time.monotonic()
        if name in names(answer := visitor_get(url)):
            break
        assert answer.headers["X-Cache-Status"] == "HIT"
        assert sent - created_at < 1.0, "the visitors' stale answer outlived a second"
        time.sleep(0.02)


def test_a_visitors_good_page_is_shared_but_a_signed_in_browser_reads_its_own(stack, signed_in, unique_name):
    created = signed_in.post("/api/catalog/goods", json={"name": f"Edge desk {unique_name}", "price": "9.00"})
    assert created.status_code == 201, created.text
    good_id = created.json()["id"]
    early_in_a_second()
    assert until_shared(f"{stack.gateway_url}/api/catalog/goods/{good_id}").json()["owners_count"] == 0

    assert signed_in.put(f"/api/catalog/me/goods/{good_id}").status_code == 201
    own = signed_in.get(f"/api/catalog/goods/{good_id}")
    assert own.headers["X-Cache-Status"] == "BYPASS"
    assert own.json()["owners_count"] == 1
