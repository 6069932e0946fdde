"""GET /healthz, GET /readyz, and 503 (not 500, not a hang) when the database is away."""

import socket
import time

from catalog_service.extensions import db

from .conftest import make_app


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_healthz_and_readyz_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok"}


def test_database_down_answers_503_fast_and_healthz_stays_up():
    app = make_app(f"postgresql://postgres@127.0.0.1:{closed_port()}/nowhere")
    client = app.test_client()
    for path in ["/readyz", "/goods", "/users/1", "/goods/1/users"]:
        started = time.monotonic()
        response = client.get(path)
        assert response.status_code == 503, path
        assert response.get_json()["error"]["code"] == "unavailable"
        assert time.monotonic() - started < 2.5
    assert client.get("/healthz").status_code == 200


def test_recovers_when_connections_are_killed(client, app):
    assert client.get("/goods").status_code == 200  # the pool now holds a connection
    with app.app_context(), db.engine.connect() as conn:
        conn.execute(
            db.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE application_name = 'catalog-service' AND pid <> pg_backend_pid()"
            )
        )
    assert client.get("/goods").status_code == 200  # pool_pre_ping replaced the dead connection
    assert client.get("/readyz").status_code == 200
