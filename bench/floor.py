"""The floor under the throughput targets: what the apps cost without a server, measured in-process.

    .venv/bin/python bench/floor.py        # its own local stack; about 2 minutes

The full run's "Where the CPU goes" table is CPU per request of whole processes under load. This
script takes the server away: each app is called as a WSGI callable in this process (no gunicorn,
no sockets to a client, one thread), so what it prints is the app's own CPU, and the difference to
the full run's figure is gunicorn's (parsing, writing, its thread hand-offs). It starts the local
stack for PostgreSQL, Redis and a signed-in session, then measures in a fresh process per service
(each imports its own app): CPU microseconds per call (process time; median of ROUNDS rounds of
CALLS calls after a warm-up):
- hello: the Flask hello ceiling's app, GET /
- catalog: GET /goods/<id>, a search and a user's goods page through the app; GET /goods/<id>'s
  statement through SQLAlchemy's Connection (crud.py, as the app runs it) and on a pooled psycopg2
  cursor (no Connection, no CursorResult)
- session: GET /auth for a signed-in session (the fast path, auth_check.py); one Redis GET through
  redis-py's client and on one of its Connections
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
ROUNDS, CALLS, WARM_UP = 5, 2000, 300


def cpu_us(calls: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Median CPU microseconds per call of each, the rounds interleaved."""
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        for _ in range(WARM_UP):
            call()
    for _ in range(ROUNDS):
        for name, call in calls.items():
            started = time.process_time()
            for _ in range(CALLS):
                call()
            samples[name].append((time.process_time() - started) / CALLS * 1e6)
    return {name: round(statistics.median(values), 1) for name, values in samples.items()}


def wsgi_get(app: Any, path: str, headers: dict[str, str] | None = None) -> Callable[[], int]:
    """A function that runs GET `path` through `app` and returns the status."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, headers=headers or {}).get_environ()
    status: list[str] = []

    def start_response(line: str, _headers: Any, _exc_info: Any = None) -> None:
        status.append(line)

    def call() -> int:
        status.clear()
        body = app(dict(environ), start_response)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return int(status[0][:3])

    return call


def hello() -> dict[str, float]:
    sys.path.insert(0, str(BENCH))
    from hello import app

    return cpu_us({"hello: GET / (the app alone)": wsgi_get(app, "/")})


def catalog() -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "catalog-service"))
    from catalog_service import create_app, crud
    from catalog_service.extensions import db

    app = create_app()
    statement = crud.GOOD_WITH_OWNERS_COUNT
    get_good = wsgi_get(app, "/goods/3")
    search = wsgi_get(app, "/goods?q=co&limit=10")
    user_goods = wsgi_get(app, "/users/1/goods")
    assert get_good() == search() == user_goods() == 200, "a catalog read failed"

    def pooled_cursor() -> Any:
        raw = db.engines["autocommit"].raw_connection()
        try:
            cursor = raw.cursor()
            if statement.name not in raw.info.setdefault("floor", set()):
                cursor.execute(statement.prepare.replace(statement.name, "floor_good", 1))
                raw.info["floor"].add(statement.name)
            cursor.execute(statement.execute.replace(statement.name, "floor_good", 1), (3,))
            return cursor.fetchone()
        finally:
            raw.close()

    with app.app_context():
        return cpu_us(
            {
                "catalog: GET /goods/<id> (the app alone)": get_good,
                "catalog: GET /goods?q=co&limit=10 (the app alone)": search,
                "catalog: GET /users/<id>/goods (the app alone)": user_goods,
                "catalog: its statement through SQLAlchemy (crud.py)": lambda: crud.good_with_owners_count(
                    good_id=3
                ),
                "catalog: the same on a pooled psycopg2 cursor": pooled_cursor,
            }
        )


def session() -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "session-service"))
    import redis
    from session_service import create_app

    app = create_app()
    check = wsgi_get(app, "/auth", {"Cookie": os.environ["FLOOR_COOKIE"]})
    assert check() == 200, "GET /auth was not answered yes"
    client = app.extensions["redis"]
    client.set("floor:key", "x" * 200)
    connection = redis.Connection(**client.connection_pool.connection_kwargs)

    def on_connection() -> Any:
        connection.send_command("GET", "floor:key")
        return connection.read_response()

    return cpu_us(
        {
            "session: GET /auth, signed in (the app alone)": check,
            "session: one Redis GET through redis-py's client": lambda: client.get("floor:key"),
            "session: the same on one redis-py Connection": on_connection,
        }
    )


PARTS = {"hello": hello, "catalog": catalog, "session": session}


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--part":  # a child: one service's app in this process
        print(json.dumps(PARTS[sys.argv[2]]()))
        return
    sys.path.insert(0, str(BENCH))
    import run
    from shop_stack.local import LocalStack
    from shop_stack.settings import setting

    stack = LocalStack(login_rate=run.LOGIN_RATE, login_burst=run.LOGIN_BURST).start()
    try:
        signed_in = run.sign_in(stack.gateway_url, "alice", "alice-demo-1")
        assert signed_in, "sign-in failed"
        env = {
            **os.environ,
            "DATABASE_URL": stack.database_url,
            "REDIS_URL": stack.redis_url,
            "CATALOG_URL": stack.catalog_url,
            "SECRET_KEY": setting("SECRET_KEY"),
            "INTERNAL_SECRET": setting("INTERNAL_SECRET"),
            "FLOOR_COOKIE": signed_in[0],
        }
        figures: dict[str, float] = {}
        for part in PARTS:
            done = subprocess.run(
                [sys.executable, __file__, "--part", part],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                raise SystemExit(f"{part}: {done.stderr.strip()[-800:]}")
            figures |= json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        stack.stop()
    print("\n| Call | CPU µs per call |\n|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value:,.0f} |")


if __name__ == "__main__":
    main()
