"""GET /healthz, GET /readyz, 503 (not 500, not a hang) when the database is away, pooled connections."""

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


def kill_pooled_autocommit_connection(app) -> None:
    """Terminate the backend of the one connection in `app`'s autocommit pool, as a restart would."""
    with app.app_context():
        pooled = db.engines["autocommit"].raw_connection()  # the connection the last request used
        try:
            with pooled.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                (pid,) = cur.fetchone()
        finally:
            pooled.close()
        with db.engine.connect() as conn:
            conn.execute(db.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


def test_a_dead_idle_connection_is_replaced_unseen(app):
    quick_ping = make_app(app.config["SQLALCHEMY_DATABASE_URI"], db_ping_after_idle_seconds=0)
    client = quick_ping.test_client()
    assert client.get("/goods").status_code == 200  # the autocommit pool now holds one connection
    kill_pooled_autocommit_connection(quick_ping)
    assert client.get("/goods").status_code == 200  # pinged at checkout, found dead, replaced
    assert client.get("/readyz").status_code == 200


def test_a_dead_busy_connection_costs_one_503_then_the_pool_reconnects(app):
    # A connection in steady use is not pinged (that would cost a round trip per request):
    # the request that finds it dead answers 503, and the pool is dropped and rebuilt.
    no_ping = make_app(app.config["SQLALCHEMY_DATABASE_URI"], db_ping_after_idle_seconds=3600)
    client = no_ping.test_client()
    assert client.get("/goods").status_code == 200
    kill_pooled_autocommit_connection(no_ping)
    failed = client.get("/goods")
    assert failed.status_code == 503
    assert failed.get_json()["error"]["code"] == "unavailable"
    assert client.get("/goods").status_code == 200


def test_reads_run_in_autocommit_and_writes_keep_their_transactions(app, make_good):
    from catalog_service.extensions import autocommit
    from catalog_service.models import Good

    with app.app_context():
        with autocommit() as conn:
            # In autocommit each statement is its own transaction: no BEGIN/ROLLBACK round trips.
            assert conn.connection.dbapi_connection.autocommit is True
        db.session.add(Good(name="Never committed", price=1))
        db.session.flush()  # INSERT sent inside the session's transaction
        db.session.rollback()
        with autocommit() as conn:
            assert conn.execute(db.text("SELECT count(*) FROM goods")).scalar() == 0
