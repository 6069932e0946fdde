"""The gateway's access log: one JSON object per request, with the id the services log too."""

import json
import time

import requests


def logged(gateway, request_id: str) -> dict:
    """The access log line of the request with `request_id` (nginx writes its lines in blocks, at least
    once a second: gateway/conf/logging.conf)."""
    deadline = time.monotonic() + 5
    while True:
        for line in gateway.output().splitlines():
            if line.startswith("{") and json.loads(line)["request_id"] == request_id:
                return json.loads(line)
        assert time.monotonic() < deadline, f"no access log line for {request_id}"
        time.sleep(0.02)


def request_id(n: int) -> str:
    """A request id the gateway keeps: a W3C trace id (32 lowercase hex digits)."""
    return f"{n:032x}"


def test_a_proxied_request_is_one_json_line(gateway, catalog):
    requests.get(
        f"{gateway.url}/api/catalog/goods?q=lamp", headers={"X-Request-ID": request_id(1)}, timeout=5
    )

    line = logged(gateway, request_id(1))
    assert line["service"] == "gateway"
    assert (line["method"], line["uri"], line["status"]) == ("GET", "/api/catalog/goods?q=lamp", 200)
    assert line["upstream_addr"] == catalog.address
    assert line["upstream_status"] == "200"
    assert isinstance(line["bytes"], int) and line["bytes"] > 0
    assert isinstance(line["duration"], float | int) and float(line["upstream_time"]) >= 0
    assert line["time"] and line["remote_addr"] == "127.0.0.1"


def test_an_answer_the_gateway_gives_itself_has_no_upstream(gateway):
    requests.get(f"{gateway.url}/api/nowhere", headers={"X-Request-ID": request_id(2)}, timeout=5)

    line = logged(gateway, request_id(2))
    assert (line["status"], line["upstream_addr"], line["upstream_time"]) == (404, "", "")


def test_what_a_client_sends_cannot_break_the_line(gateway):
    hostile = 'x"},{"status":200,"forged":"\\\x01'  # a quote, a backslash, a control byte
    headers = {"X-Request-ID": request_id(3), "User-Agent": hostile}
    requests.get(f"{gateway.url}/api/nowhere", headers=headers, timeout=5)

    line = logged(gateway, request_id(3))
    assert line["user_agent"] == hostile
    assert "forged" not in line
