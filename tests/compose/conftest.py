"""Fixtures for the compose-only tests; they skip unless the session's stack runs under compose."""

from __future__ import annotations

from typing import Any

import pytest
from compose_helpers import ComposeProject


@pytest.fixture(autouse=True)
def _compose_only(stack: Any) -> None:
    if stack.mode != "compose":
        pytest.skip("needs the compose stack (STACK_MODE=compose)")


@pytest.fixture
def project(stack: Any) -> ComposeProject:
    return ComposeProject(stack)
