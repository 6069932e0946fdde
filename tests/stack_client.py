"""What the black-box tests share: the running stack's addresses and a browser-like client."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import requests

# The suite signs in often from one address, so it runs the gateway with a looser login
# limit than production's default; the rate-limit test sends more than the burst.
LOGIN_RATE = os.environ.get("STACK_LOGIN_RATE", "600r/m")
LOGIN_BURST = int(os.environ.get("STACK_LOGIN_BURST", "20"))


@dataclass
class Stack:
    mode: str
    gateway_url: str
    catalog_url: str
    session_url: str
    compose_project: str | None = None
    compose_env: dict[str, str] = field(default_factory=dict)
    local: Any = None  # the LocalStack in local mode


class Browser(requests.Session):
    """A requests session that behaves like the UI: JSON, XHR header, CSRF token on unsafe calls."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.csrf_token: str | None = None
        self.headers["X-Requested-With"] = "XMLHttpRequest"

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if url.startswith("/"):
            url = self.base_url + url
        headers = kwargs.pop("headers", None) or {}
        if method.upper() not in {"GET", "HEAD", "OPTIONS"} and self.csrf_token:
            headers.setdefault("X-CSRF-Token", self.csrf_token)
        kwargs.setdefault("timeout", 10)
        return super().request(method, url, *args, headers=headers, **kwargs)

    def sign_up(self, username: str, password: str = "correct-horse-1") -> dict[str, Any]:
        response = self.post("/api/catalog/users", json={"username": username, "password": password})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def sign_in(
        self, username: str, password: str = "correct-horse-1", remember: bool = False
    ) -> dict[str, Any]:
        response = self.post(
            "/api/session/login", json={"username": username, "password": password, "remember": remember}
        )
        assert response.status_code == 200, response.text
        body = dict(response.json())
        self.csrf_token = body["csrf_token"]
        return body
