"""Fixtures for the property-based tests: each service's OpenAPI document, and signed-in credentials."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from stack_client import Browser, new_user


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
    return new_user(stack.gateway_url, "fz")


@pytest.fixture(scope="session")
def identity_for(internal_secret: str) -> Any:
    """X-Identity headers for a direct call to catalog-service as the given signed-in browser."""
    from shop_common.identity import sign_identity

    def headers(browser: Browser) -> dict[str, str]:
        me = browser.get("/api/session/me").json()["user"]
        return {"X-Identity": sign_identity(internal_secret, int(me["id"]), str(me["username"]))}

    return headers
