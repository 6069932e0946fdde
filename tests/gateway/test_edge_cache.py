"""The edge cache: a visitor's search or good's page, marked by catalog-service, shared for the rest
of the second; never with a cookie, never what catalog-service did not mark (gateway/conf/caching.conf)."""

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .support import FakeService


class MarkingCatalog(FakeService):
    """Answers like catalog-service: a search (q given) or a good's page marked cacheable until the
    end of this second; every answer says which edition of the data it came from."""

    edition: int = 1

    def answer(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        status, extra, payload = super().answer(method, path, headers)
        if status != 200:
            return status, extra, payload
        marked = path.startswith("/goods?q=") or path.removeprefix("/goods/").isdigit()
        if marked and "unmarked" not in path:
            extra = {**extra, "X-Accel-Expires": f"@{int(time.time())}"}
        return status, extra, {**payload, "edition": self.edition}


@pytest.fixture(scope="module")
def catalog() -> Iterator[FakeService]:
    service = MarkingCatalog("catalog").start()
    yield service
    service.stop()


def early_in_a_second() -> None:
    """Wait for the start of the next second, so that a test's few requests share one."""
    time.sleep(1 - time.time() % 1 + 0.01)


def reached(catalog: FakeService, path: str) -> int:
    return sum(1 for request in catalog.requests if request["path"] == path)


def get(gateway: Any, path: str, **headers: str) -> requests.Response:
    response = requests.get(gateway.url + path, headers=headers, timeout=5)
    assert response.status_code in (200, 404), response.text
    return response


@pytest.mark.parametrize("path", ["/api/catalog/goods?q=lamp", "/api/catalog/goods/7"])
def test_a_visitors_search_and_good_page_are_shared_within_the_second(gateway, catalog, path):
    upstream = path.removeprefix("/api/catalog")
    early_in_a_second()
    first, second = get(gateway, path), get(gateway, path)

    assert (first.headers["X-Cache-Status"], second.headers["X-Cache-Status"]) == ("MISS", "HIT")
    assert reached(catalog, upstream) == 1
    assert second.json() == first.json()
    assert "X-Accel-Expires" not in second.headers  # nginx's instruction, not the browser's
    # The gateway's own headers are the request's, not the cached answer's.
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_an_answer_is_kept_no_longer_than_the_second_it_was_given_in(gateway, catalog):
    path = "/api/catalog/goods?q=desk"
    early_in_a_second()
    stored = get(gateway, path)
    stored_at = time.time()
    assert stored.headers["X-Cache-Status"] == "MISS"
    catalog.edition += 1  # what a write does to the data

    while (answer := get(gateway, path)).json()["edition"] != catalog.edition:
        assert answer.headers["X-Cache-Status"] == "HIT"
        assert time.time() - stored_at < 1.0, "a stale answer outlived its second"
        time.sleep(0.02)
    assert time.time() - stored_at < 1.1


def test_a_request_with_a_cookie_neither_gets_nor_leaves_a_shared_answer(gateway, catalog):
    early_in_a_second()
    assert get(gateway, "/api/catalog/goods/8").headers["X-Cache-Status"] == "MISS"  # now stored
    signed_in = get(gateway, "/api/catalog/goods/8", Cookie="sid=good")
    assert signed_in.headers["X-Cache-Status"] == "BYPASS"
    assert reached(catalog, "/goods/8") == 2

    assert get(gateway, "/api/catalog/goods/9", Cookie="sid=good").headers["X-Cache-Status"] == "BYPASS"
    assert get(gateway, "/api/catalog/goods/9").headers["X-Cache-Status"] == "MISS"  # nothing was stored
    assert reached(catalog, "/goods/9") == 2


@pytest.mark.parametrize(
    "path",
    [
        "/api/catalog/goods",  # a list without a query: not a search
        "/api/catalog/goods?limit=1",
        "/api/catalog/goods/0",  # 404
        "/api/catalog/goods/10/users",
        "/api/catalog/goods/11?unmarked=1",  # catalog-service did not mark it
        "/api/catalog/goods?q=chair&unmarked=1",
    ],
)
def test_nothing_else_is_stored(gateway, catalog, path):
    upstream = path.removeprefix("/api/catalog")
    early_in_a_second()
    answers = [get(gateway, path) for _ in range(2)]
    assert reached(catalog, upstream) == 2
    assert all(answer.headers.get("X-Cache-Status") != "HIT" for answer in answers)


def test_the_key_is_the_whole_uri(gateway, catalog):
    early_in_a_second()
    get(gateway, "/api/catalog/goods?q=sofa")
    get(gateway, "/api/catalog/goods?q=sofa&limit=2")
    get(gateway, "/api/catalog/goods?q=Sofa")
    paths = ("/goods?q=sofa", "/goods?q=sofa&limit=2", "/goods?q=Sofa")
    assert [reached(catalog, path) for path in paths] == [1, 1, 1]


def test_unsafe_methods_never_use_it(gateway, catalog):
    early_in_a_second()
    get(gateway, "/api/catalog/goods?q=bed")
    response = requests.post(
        gateway.url + "/api/catalog/goods?q=bed",
        json={"name": "bed"},
        headers={"Cookie": "sid=good", "X-CSRF-Token": "tok"},
        timeout=5,
    )
    assert response.status_code == 200
    assert catalog.last()["method"] == "POST"
