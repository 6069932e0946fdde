"""The Swarm tests run against the stack scripts/test-swarm.sh deploys (STACK_MODE=swarm make test)."""

from __future__ import annotations

import os

import pytest

from .swarm_helpers import SwarmStack


@pytest.fixture(scope="session")
def swarm() -> SwarmStack:
    name, url = os.environ.get("SWARM_STACK"), os.environ.get("STACK_GATEWAY_URL")
    if not name or not url:
        pytest.skip("needs a running swarm stack: scripts/test-swarm.sh (STACK_MODE=swarm make test)")
    return SwarmStack(name, url)
