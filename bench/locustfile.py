"""One shopper's journey through the gateway, for locust.

    locust -f bench/locustfile.py --headless -u 20 -r 5 -t 60s --host http://127.0.0.1:GATEWAY_PORT

Browse goods, search as you type (one word, a keystroke at a time), view a good, sign in, add
and remove a good, look at my goods, sign out; then again. Accounts: SHOP_BULK_USERS="first:last"
uses bulk_<first>..bulk_<last> (password bulk-password-1, from `flask seed bulk`); otherwise the
demo users alice, bob and carol. Each sign-in counts against the gateway's login rate limit per
client address (a few a minute by default): run the stack with a loose one (bench/locust_run.py
does; in compose set LOGIN_RATE / LOGIN_BURST).
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

WORDS = "amber azure brass bright cedar copper coral crimson golden ivory maple silver velvet walnut"
WORDS += " lamp mug kettle chair desk keyboard mouse"
DEMO = [("alice", "alice-demo-1"), ("bob", "bob-demo-1"), ("carol", "carol-demo-1")]


def account() -> tuple[str, str]:
    bulk = os.environ.get("SHOP_BULK_USERS", "")
    if bulk:
        first, last = (int(x) for x in bulk.split(":"))
        return f"bulk_{random.randint(first, last)}", "bulk-password-1"  # noqa: S311 - load, not crypto
    return random.choice(DEMO)  # noqa: S311


class Shopper(HttpUser):
    wait_time = between(0.5, 2)

    def pick(self, response) -> int | None:
        """A good id from a list answer, or None."""
        try:
            items = response.json()["items"]
        except (ValueError, KeyError, TypeError):
            return None
        return random.choice(items)["id"] if items else None  # noqa: S311

    @task
    def journey(self) -> None:
        self.client.cookies.clear()
        ids = []
        with self.client.get("/api/catalog/goods?limit=20", name="browse goods", catch_response=True) as r:
            ids.append(self.pick(r))
        word, last = random.choice(WORDS.split()), None  # noqa: S311
        for n in range(2, min(len(word), 5) + 1):  # "am", "amb", "ambe", "amber"
            with self.client.get(
                f"/api/catalog/goods?q={word[:n]}&limit=10", name="search as you type", catch_response=True
            ) as r:
                last = self.pick(r)
        ids.append(last)
        good = next((x for x in reversed(ids) if x), None)
        if good is None:
            return
        self.client.get(f"/api/catalog/goods/{good}", name="view a good")

        username, password = account()
        with self.client.post(
            "/api/session/login",
            json={"username": username, "password": password},
            headers={"X-Requested-With": "XMLHttpRequest"},
            name="sign in",
            catch_response=True,
        ) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}: {r.text[:100]}")
                return
            csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
        self.client.put(f"/api/catalog/me/goods/{good}", headers=csrf, name="add a good")
        self.client.get("/api/catalog/me/goods", name="my goods")
        self.client.delete(f"/api/catalog/me/goods/{good}", headers=csrf, name="remove a good")
        self.client.post("/api/session/logout", headers=csrf, name="sign out")
