"""Fixtures for the compose-only tests; they skip unless the session's stack runs under compose."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from compose_helpers import REPLICAS, ComposeProject, catalog_replicas


@pytest.fixture(autouse=True)
def _compose_only(stack: Any) -> None:
    if stack.mode != "compose":
        pytest.skip("needs the compose stack (STACK_MODE=compose)")


@pytest.fixture
def project(stack: Any) -> ComposeProject:
    return ComposeProject(stack)


@pytest.fixture
def prometheus(stack: Any) -> str:
    """The session's Prometheus (the compose stack runs the observability profile: tests/conftest.py)."""
    url = str(stack.compose.prometheus_url)  # published on 127.0.0.1
    assert url, "the session's compose stack runs without the observability profile"
    return url


@pytest.fixture(scope="class")
def three_catalog_replicas(stack: Any) -> Iterator[ComposeProject]:
    """For a class of tests: scaling up and back costs about a minute and a half, so only once."""
    if stack.mode != "compose":
        pytest.skip("needs the compose stack (STACK_MODE=compose)")
    with catalog_replicas(ComposeProject(stack), REPLICAS) as scaled:
        yield scaled
