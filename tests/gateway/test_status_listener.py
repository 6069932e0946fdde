"""nginx's stub_status for prometheus-nginx-exporter: on its own listener, only when asked for."""

import requests
from shop_stack.system import free_port


def test_the_status_listener_serves_stub_status_and_nothing_else(start_gateway, catalog, session):
    port = free_port()
    gw = start_gateway(catalog.address, session.address, GATEWAY_STATUS_LISTEN=f"127.0.0.1:{port}")
    requests.get(f"{gw.url}/api/catalog/goods", timeout=5)

    status = requests.get(f"http://127.0.0.1:{port}/stub_status", timeout=5)
    assert status.status_code == 200
    assert status.text.startswith("Active connections:")
    assert "requests" in status.text
    assert requests.get(f"http://127.0.0.1:{port}/api/catalog/goods", timeout=5).status_code == 404
    assert "Active connections" not in requests.get(f"{gw.url}/stub_status", timeout=5).text


def test_without_the_setting_there_is_no_status_listener(gateway):
    runtime = (gateway.conf / "runtime.conf").read_text()
    assert "status.conf" not in runtime
    assert runtime.count("listen ") == 1
