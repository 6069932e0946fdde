"""Fixtures for the fault tests: a driver that stops and starts parts of the stack in either mode."""

from __future__ import annotations

from typing import Any

import pytest
from fault_tools import Faults


@pytest.fixture
def faults(stack: Any) -> Faults:
    if stack.mode not in {"local", "compose"}:
        pytest.skip("fault tests need a stack this session started (local or compose), not an external one")
    return Faults(stack)
