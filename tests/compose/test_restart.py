"""`docker compose down` (volumes kept) and `up` again: accounts, goods and sessions survive.

This restarts the whole stack; it comes back on the same ports, so later tests still find it.
"""

from __future__ import annotations

from typing import Any

from compose_helpers import ComposeProject


def test_down_and_up_keeps_data_and_sessions(project: ComposeProject, signed_in: Any) -> None:
    me = signed_in.get("/api/session/me")
    assert me.status_code == 200, me.text
    user = me.json()["user"]
    put = signed_in.put("/api/session/data/restart_check", json={"value": "kept"})
    assert put.status_code in (200, 204), put.text

    project.run("down")  # no -v: the named volumes stay
    assert not project.container_ids("postgres")
    project.run("up", "-d", "--wait", "--no-build", "--wait-timeout", "300")

    again = signed_in.get("/api/session/me")
    assert again.status_code == 200, "Redis persistence lost the session: " + again.text
    assert again.json()["user"] == user
    assert signed_in.get("/api/session/data/restart_check").json()["value"] == "kept"
    account = signed_in.get(f"/api/catalog/users/{user['id']}")
    assert account.status_code == 200, account.text
    assert account.json()["username"] == user["username"]
