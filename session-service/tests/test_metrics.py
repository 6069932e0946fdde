"""GET /metrics: sign-ins by outcome, and each 503 blamed on Redis or on catalog-service."""

import requests
import responses
from prometheus_client import REGISTRY
from session_helpers import VERIFY_URL, XHR, login, make_config
from session_service import create_app
from shop_common.metrics import flush


def value(name: str, **labels: str) -> float:
    """A figure as /metrics shows it: pending figures written first, as a scrape does, then read
    from the registry the scrape reads (in one process, the same one)."""
    flush()
    return REGISTRY.get_sample_value(name, {"service": "session-service", **labels}) or 0.0


def sign_ins() -> dict[str, float]:
    outcomes = ("ok", "bad_credentials", "invalid", "unavailable")
    return {outcome: value("shop_sign_ins_total", outcome=outcome) for outcome in outcomes}


def test_sign_ins_are_counted_by_outcome(client, catalog):
    before = sign_ins()
    assert login(client).status_code == 200
    assert login(client, password="wrong-pw-123").status_code == 401
    assert login(client, password="wrong-pw-456").status_code == 401
    assert client.post("/login", json={"username": "alice"}, headers=XHR).status_code == 422

    after = sign_ins()
    assert {outcome: after[outcome] - before[outcome] for outcome in after} == {
        "ok": 1,
        "bad_credentials": 2,
        "invalid": 1,
        "unavailable": 0,
    }


def test_a_sign_in_catalog_service_cannot_check_is_blamed_on_it(client, catalog):
    catalog.replace(responses.POST, VERIFY_URL, body=requests.ConnectionError("refused"))
    blamed = value("shop_unavailable_total", cause="catalog-service")
    unavailable = value("shop_sign_ins_total", outcome="unavailable")

    assert login(client).status_code == 503

    assert value("shop_unavailable_total", cause="catalog-service") == blamed + 1
    assert value("shop_sign_ins_total", outcome="unavailable") == unavailable + 1


def test_redis_down_is_counted_as_redis_errors_and_503s(own_redis, catalog):
    app = create_app(make_config(own_redis.url))
    client = app.test_client()
    assert login(client).status_code == 200
    errors = value("shop_dependency_errors_total", dependency="redis")
    blamed = value("shop_unavailable_total", cause="redis")

    own_redis.stop()
    assert client.get("/me").status_code == 503  # opening the session fails
    assert client.get("/readyz").status_code == 503  # and /metrics still answers

    assert value("shop_dependency_errors_total", dependency="redis") == errors + 1
    assert value("shop_unavailable_total", cause="redis") == blamed + 2
