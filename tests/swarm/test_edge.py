"""The edge forwards to the gateways and passes the client's address on; a forged one is ignored."""

from __future__ import annotations

import ipaddress
import json
import time
import uuid

import requests

from .swarm_helpers import SwarmStack, docker


def gateway_log_entry(swarm: SwarmStack, request_id: str) -> dict[str, object]:
    """The gateway's access-log line for one request id (the logs reach `docker service logs` quickly)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        logs = docker("service", "logs", "--raw", "--since", "5m", swarm.service("gateway"))
        for line in logs.splitlines():
            if request_id in line and line.startswith("{"):
                return dict(json.loads(line))
        time.sleep(0.5)
    raise AssertionError(f"no gateway log line for request id {request_id}")


def test_the_gateway_sees_the_client_address_not_the_edge(swarm: SwarmStack) -> None:
    edge_subnet = docker(
        "network", "inspect", "--format", "{{(index .IPAM.Config 0).Subnet}}", f"{swarm.name}_edge"
    ).strip()
    request_id = uuid.uuid4().hex  # a trace id: the gateway keeps only those
    # A client's own X-Real-IP is overwritten by the edge, so it cannot pick its rate-limit bucket.
    headers = {"X-Request-ID": request_id, "X-Real-IP": "203.0.113.7"}
    assert requests.get(f"{swarm.gateway_url}/api/catalog/goods?limit=1", headers=headers, timeout=10).ok
    address = ipaddress.ip_address(str(gateway_log_entry(swarm, request_id)["remote_addr"]))
    assert address not in ipaddress.ip_network(edge_subnet), f"{address} is the edge's, not the client's"
    assert str(address) != "203.0.113.7"


def test_a_client_cannot_claim_https_through_the_edge(swarm: SwarmStack) -> None:
    """The edge sets X-Forwarded-Proto itself; the gateway trusts the edge's, so a client's must not pass."""
    response = requests.post(
        f"{swarm.gateway_url}/api/session/login",
        json={"username": "alice", "password": "alice-demo-1"},
        headers={"X-Requested-With": "XMLHttpRequest", "X-Forwarded-Proto": "https"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    session_cookie = next(c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("sid="))
    assert "Secure" not in session_cookie  # plain HTTP here: a Secure cookie would never come back
