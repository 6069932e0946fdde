"""Fixtures for the property-based tests: each service's OpenAPI document, and signed-in credentials."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest
import requests
import schemathesis
from stack_client import Browser

from stack import DEV_INTERNAL_SECRET

# docker-compose.yml's default when no .env overrides it
COMPOSE_INTERNAL_SECRET = "dev-only-internal-secret-change-me-0123456789"


def load_schema(url: str) -> Any:
    text = requests.get(url, timeout=10)
    text.raise_for_status()
    return schemathesis.openapi.from_dict(text.json())


@pytest.fixture(scope="session")
def catalog_schema(stack: Any) -> Any:
    return load_schema(f"{stack.catalog_url}/openapi.json")


@pytest.fixture(scope="session")
def session_schema(stack: Any) -> Any:
    return load_schema(f"{stack.session_url}/openapi.json")


@pytest.fixture(scope="session")
def fuzz_user(stack: Any) -> Browser:
    """One signed-in user whose cookie and CSRF token the generated unsafe calls carry."""
    browser = Browser(stack.gateway_url)
    name = "fz_" + uuid.uuid4().hex[:12]
    browser.sign_up(name)
    browser.sign_in(name)
    return browser


@pytest.fixture(scope="session")
def internal_secret(stack: Any) -> str:
    if stack.mode == "compose":
        # compose reads it from the environment (or .env), else the file's default
        return os.environ.get("INTERNAL_SECRET", COMPOSE_INTERNAL_SECRET)
    return DEV_INTERNAL_SECRET


@pytest.fixture(scope="session")
def identity_for(internal_secret: str) -> Any:
    """X-Identity headers for a direct call to catalog-service as the given signed-in browser."""
    from shop_common.identity import sign_identity

    def headers(browser: Browser) -> dict[str, str]:
        me = browser.get("/api/session/me").json()["user"]
        return {"X-Identity": sign_identity(internal_secret, int(me["id"]), str(me["username"]))}

    return headers
