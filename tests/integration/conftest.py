"""tests/integration runs over HTTPS when the gateway has a TLS listener (local and compose mode, with
the development CA trusted): the other suites use plain HTTP, so each listener serves whole suites."""

from __future__ import annotations

import dataclasses

import pytest
from stack_client import Stack


@pytest.fixture(scope="session")
def stack(stack: Stack) -> Stack:
    if not stack.gateway_https_url:
        return stack
    return dataclasses.replace(stack, gateway_url=stack.gateway_https_url)
