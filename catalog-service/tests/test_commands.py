"""The exact commands the stack runner and Dockerfiles use, run from the service directory."""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from shop_common.identity import sign_identity
from shop_stack.system import free_port, http_ok, wait_until

from .conftest import SECRET, fresh_database

SERVICE_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def env(server_url):
    return {
        **os.environ,
        "DATABASE_URL": fresh_database(server_url, "catalog_commands"),
        "INTERNAL_SECRET": SECRET,
        "LOG_LEVEL": "WARNING",
    }


def run(env, *args: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=SERVICE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result


def counts(env) -> tuple[int, int, int]:
    import psycopg2

    with psycopg2.connect(env["DATABASE_URL"]) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM goods),"
            " (SELECT count(*) FROM users_goods)"
        )
        return cur.fetchone()


@pytest.fixture(scope="module")
def seeded(env):
    """Migrate and load the demo data once, the way the stack does."""
    run(env, "db", "upgrade")
    run(env, "seed", "demo")
    return counts(env)


def test_seed_demo_again_changes_nothing(env, seeded):
    users, goods, links = seeded
    assert users == 3 and 45 <= goods <= 60 and links >= 10
    run(env, "seed", "demo")
    assert counts(env) == seeded


def test_seed_bulk_adds_rows_with_copy(env, seeded):
    before = counts(env)
    result = run(env, "seed", "bulk", "--users", "7", "--goods", "40", "--links", "60")
    after = counts(env)
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (7, 40, 60)
    assert "links" in result.stderr  # the progress bar


def test_gunicorn_serves_the_demo_data(env, seeded):
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=SERVICE_DIR,
        env={**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        # The master binds at once but workers may take seconds to boot on a busy machine:
        # until then a request is accepted and left waiting, so keep polling to a deadline.
        wait_until(lambda: http_ok(f"{base}/readyz"), "gunicorn", timeout=60, proc=server)
        goods = requests.get(f"{base}/goods?q=coffee", timeout=5).json()
        assert [g["name"] for g in goods["items"]] == ["Burr Coffee Grinder"], goods
        response = requests.post(
            f"{base}/internal/credentials/verify",
            json={"username": "alice", "password": "alice-demo-1"},
            headers={"X-Internal-Secret": SECRET, "X-Request-ID": "test-rid-12345"},
            timeout=5,
        )
        assert response.status_code == 200, response.text
        assert response.json()["username"] == "alice"
        # 20 simultaneous adds of the same pair across worker processes: one row, no 5xx
        headers = {"X-Identity": sign_identity(SECRET, response.json()["id"], "alice")}
        good = requests.post(
            f"{base}/goods", json={"name": "Race Trophy", "price": 1}, headers=headers, timeout=5
        )
        assert good.status_code == 201, good.text
        url = f"{base}/me/goods/{good.json()['id']}"
        with ThreadPoolExecutor(20) as pool:
            statuses = list(
                pool.map(
                    lambda _: requests.put(url, headers=headers, timeout=10).status_code,
                    range(20),
                )
            )
        assert sorted(statuses) == [200] * 19 + [201]
    finally:
        server.terminate()
        log, _ = server.communicate(timeout=30)
    assert "rid=test-rid-12345" in log  # the access log line carries the request id
    assert "alice-demo-1" not in log
