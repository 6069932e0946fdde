"""SQL- and script-injection text is data: stored and returned verbatim, never executed or mangled."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest
import requests
from stack_client import Browser, new_user

HOSTILE = [
    "'; DROP TABLE goods; --",
    '" OR 1=1 --',
    "1' UNION SELECT username, password_hash FROM users --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "%_\\ LIKE wildcards",
    "{{7*7}} ${7*7} $(id) `id`",
    "Ünïcødé ✓ 🚀 \u202eevil",
    "../../etc/passwd",
]


@pytest.fixture(scope="module")
def author(stack: Any) -> Browser:
    return new_user(stack.gateway_url, "in")


@pytest.mark.parametrize("text", HOSTILE)
def test_good_names_and_descriptions_come_back_verbatim(stack: Any, author: Browser, text: str) -> None:
    name = f"{text} {uuid.uuid4().hex[:6]}"
    created = author.post("/api/catalog/goods", json={"name": name, "price": "1.00", "description": text})
    assert created.status_code == 201, created.text
    good = created.json()
    assert (good["name"], good["description"]) == (name, text)
    for base in (f"{stack.gateway_url}/api/catalog", stack.catalog_url):
        fetched = requests.get(f"{base}/goods/{good['id']}", timeout=10).json()
        assert (fetched["name"], fetched["description"]) == (name, text)
        # searching for the text finds it literally (LIKE wildcards escaped) and nothing breaks
        found = requests.get(f"{base}/goods", params={"q": name, "limit": 50}, timeout=10)
        assert found.status_code == 200, found.text
        assert [item["id"] for item in found.json()["items"]] == [good["id"]]
    assert author.put(f"/api/catalog/me/goods/{good['id']}").status_code == 201
    mine = author.get("/api/catalog/me/goods", params={"q": text}).json()["items"]
    assert good["id"] in [item["id"] for item in mine]


def test_the_tables_survived(stack: Any) -> None:
    response = requests.get(f"{stack.gateway_url}/api/catalog/goods", params={"limit": 1}, timeout=10)
    assert response.status_code == 200 and response.json()["items"]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_usernames_are_refused_cleanly(stack: Any, text: str) -> None:
    """Usernames allow only letters, digits and _, so injection text is a 422 / 'invalid', never a 500."""
    base = f"{stack.gateway_url}/api/catalog"
    assert (
        requests.post(
            f"{base}/users", json={"username": text, "password": "long-enough-1"}, timeout=10
        ).status_code
        == 422
    )
    availability = requests.get(f"{base}/users/availability?username={quote(text)}", timeout=10)
    assert availability.status_code == 200 and availability.json()["available"] is False
    login = requests.post(
        f"{stack.session_url}/login",
        json={"username": text, "password": text},
        headers={"X-Requested-With": "XMLHttpRequest"},
        timeout=10,
    )
    assert login.status_code == 401


def test_sql_keywords_in_a_valid_username_are_just_letters(stack: Any) -> None:
    name = f"DROP_TABLE_users_{uuid.uuid4().hex[:6]}"
    browser = Browser(stack.gateway_url)
    created = browser.sign_up(name, "'; DROP TABLE users; --")
    assert created["username"] == name
    assert browser.sign_in(name, "'; DROP TABLE users; --")["user"]["username"] == name
    profile = requests.get(f"{stack.gateway_url}/api/catalog/users/{created['id']}", timeout=10).json()
    assert profile["username"] == name


@pytest.mark.parametrize("via", ["gateway", "direct"])
def test_session_data_comes_back_verbatim(stack: Any, author: Browser, via: str) -> None:
    value = {"texts": HOSTILE, "nested": {"'; DROP": ["<script>", None, True, 1.5, -0]}, "empty": ""}
    key = f"hostile.{via}"
    if via == "gateway":
        stored = author.put(f"/api/session/data/{key}", json={"value": value})
        read = author.get(f"/api/session/data/{key}")
        everything = author.get("/api/session/data")
    else:
        cookies, headers = {"sid": author.cookies["sid"]}, {"X-CSRF-Token": author.csrf_token or ""}
        url = f"{stack.session_url}/data/{key}"
        stored = requests.put(url, json={"value": value}, cookies=cookies, headers=headers, timeout=10)
        read = requests.get(url, cookies=cookies, timeout=10)
        everything = requests.get(f"{stack.session_url}/data", cookies=cookies, timeout=10)
    assert stored.status_code == 200, stored.text
    assert read.json() == {"key": key, "value": value}
    assert everything.json()["data"][key] == value
