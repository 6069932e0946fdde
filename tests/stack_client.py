"""What the black-box tests share: the running stack's addresses and a browser-like client."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import requests
from shop_stack.compose import ComposeStack
from shop_stack.local import LocalStack

# The suite signs in often from one address, so it runs the gateway with a looser login
# limit than production's default; the rate-limit test sends more than the burst.
LOGIN_RATE = os.environ.get("STACK_LOGIN_RATE", "600r/m")
LOGIN_BURST = int(os.environ.get("STACK_LOGIN_BURST", "20"))


@dataclass
class Stack:
    mode: str
    gateway_url: str  # what the suite talks to: plain HTTP, except in tests/integration (HTTPS)
    catalog_url: str
    session_url: str
    local: LocalStack | None = None  # local mode: the processes, their logs, the database URL
    compose: ComposeStack | None = None  # compose mode: `docker compose` on the project, psql
    gateway_http_url: str = ""  # each of the gateway's listeners; "" when it has none
    gateway_https_url: str = ""
    ca_file: str = ""  # the CA that signed the HTTPS listener's certificate (the development one)

    @property
    def compose_project(self) -> str | None:
        return self.compose.project if self.compose else None

    @property
    def compose_env(self) -> dict[str, str]:
        """What a `docker compose -p PROJECT` call needs in its environment to address this stack."""
        return self.compose.env if self.compose else {}


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


def new_user(gateway_url: str, prefix: str) -> Browser:
    """A browser signed in as a user made for it: PREFIX_ and 12 random hex digits."""
    browser = Browser(gateway_url)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    browser.sign_up(name)
    browser.sign_in(name)
    return browser
