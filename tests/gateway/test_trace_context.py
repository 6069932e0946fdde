"""The gateway starts a W3C trace for every request: its trace id is the request id, and both
session-service's /auth and the upstream get the same `traceparent` (docs/observability.md, Traces)."""

import re

import pytest
import requests

GOOD_SESSION = {"Cookie": "sid=good"}
TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-01")
A_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"


def trace_of(traceparent: str) -> tuple[str, str]:
    """The trace id and parent id of a traceparent the gateway sent; fails on any other form."""
    found = TRACEPARENT.fullmatch(traceparent)
    assert found, traceparent
    trace_id, parent_id = found.groups()
    assert parent_id != "0" * 16
    return trace_id, parent_id


def test_a_signed_in_add_carries_one_trace_to_auth_and_to_the_upstream(gateway, catalog, session):
    response = requests.post(
        f"{gateway.url}/api/catalog/me/goods/3",
        headers={**GOOD_SESSION, "X-CSRF-Token": "tok"},
        timeout=5,
    )
    assert response.status_code == 200
    request_id = response.headers["X-Request-ID"]
    auth, upstream = session.last()["headers"], catalog.last()["headers"]
    assert trace_of(auth["traceparent"]) == trace_of(upstream["traceparent"])
    assert trace_of(upstream["traceparent"])[0] == request_id == upstream["x-request-id"]


@pytest.mark.parametrize("path", ["/api/catalog/goods", "/api/session/me"])
def test_every_proxied_request_starts_a_new_trace(gateway, catalog, session, path):
    seen = []
    for _ in range(2):
        response = requests.get(gateway.url + path, timeout=5)
        service = catalog if path.startswith("/api/catalog") else session
        trace_id, parent_id = trace_of(service.last()["headers"]["traceparent"])
        assert trace_id == response.headers["X-Request-ID"]
        seen.append((trace_id, parent_id))
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]


def test_a_client_request_id_that_is_a_trace_id_is_kept_as_both(gateway, catalog):
    response = requests.get(
        f"{gateway.url}/api/catalog/goods", headers={"X-Request-ID": A_TRACE_ID}, timeout=5
    )
    assert response.headers["X-Request-ID"] == A_TRACE_ID
    trace_id, parent_id = trace_of(catalog.last()["headers"]["traceparent"])
    assert trace_id == A_TRACE_ID
    assert parent_id not in A_TRACE_ID  # the gateway's own random value, not taken from the client's id


@pytest.mark.parametrize(
    "other",
    [
        "my-request.1234",  # plain, but not a trace id: the trace id would differ from it
        A_TRACE_ID.upper(),  # W3C trace ids are lowercase
        A_TRACE_ID[:-1],
        A_TRACE_ID + "0",
        "0" * 32,  # the invalid trace id
        "has space in it",
    ],
)
def test_any_other_client_request_id_is_replaced_by_a_new_trace_id(gateway, catalog, other):
    response = requests.get(f"{gateway.url}/api/catalog/goods", headers={"X-Request-ID": other}, timeout=5)
    request_id = response.headers["X-Request-ID"]
    assert request_id != other
    assert re.fullmatch(r"[0-9a-f]{32}", request_id) and request_id != "0" * 32
    upstream = catalog.last()["headers"]
    assert upstream["x-request-id"] == request_id
    assert trace_of(upstream["traceparent"])[0] == request_id


def test_a_client_trace_context_is_replaced(gateway, catalog, session):
    client_trace = {
        "traceparent": f"00-{A_TRACE_ID}-00f067aa0ba902b7-00",  # not sampled: the client's choice
        "tracestate": "vendor=client",
        "baggage": "user=admin",
    }
    response = requests.post(
        f"{gateway.url}/api/catalog/me/goods/3",
        headers={**GOOD_SESSION, "X-CSRF-Token": "tok", **client_trace},
        timeout=5,
    )
    assert response.status_code == 200
    for sent in (session.last()["headers"], catalog.last()["headers"]):
        trace_id, parent_id = trace_of(sent["traceparent"])
        assert (trace_id, parent_id) != (A_TRACE_ID, "00f067aa0ba902b7")
        assert trace_id == response.headers["X-Request-ID"]
        assert "tracestate" not in sent and "baggage" not in sent
