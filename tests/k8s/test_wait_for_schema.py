"""The catalog pods' init container (deploy/k8s/base/wait-for-schema.py) against a real PostgreSQL.

It runs as in the pod: from catalog-service's directory, with the secrets as NAME_FILE files.
"""

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy.engine import make_url

from .manifests import K8S, ROOT

SCRIPT = K8S / "base" / "wait-for-schema.py"
CATALOG = ROOT / "catalog-service"


def _throwaway_cluster():
    spec = importlib.util.spec_from_file_location("throwaway_pg", CATALOG / "tests" / "throwaway_pg.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.throwaway_cluster()


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with _throwaway_cluster() as url:
        yield url


@pytest.fixture
def database_url(server_url, request) -> str:
    name = "wait_" + request.node.name.lower()[:40].replace("[", "_").replace("]", "")
    admin = psycopg2.connect(server_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _pod_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "database-url").write_text(database_url + "\n")
    (secrets / "internal-secret").write_text("k8s-test-internal-secret-of-enough-length\n")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "INTERNAL_SECRET"}}
    return {
        **env,
        "DATABASE_URL_FILE": str(secrets / "database-url"),
        "INTERNAL_SECRET_FILE": str(secrets / "internal-secret"),
        "WAIT_FOR_SCHEMA_POLL_SECONDS": "0.2",
        "PYTHONPATH": str(CATALOG),  # as the manifests set it to the image's /app
    }


def _start(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, str(SCRIPT)], cwd=CATALOG, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=CATALOG,
        env=env,
        check=True,
        capture_output=True,
    )


def _wait_for_text(log: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"{text!r} not printed; got:\n{log.read_text()}"
        time.sleep(0.1)


def test_waits_until_the_migration_has_run(tmp_path, database_url):
    env, log = _pod_env(tmp_path, database_url), tmp_path / "log"
    waiter = _start(env, log)
    try:
        _wait_for_text(log, "waiting for the catalog-migrate Job: the schema is at nothing")
        assert waiter.poll() is None
        _migrate(env)
        assert waiter.wait(timeout=30) == 0
    finally:
        waiter.kill()
    assert "the schema is ready" in log.read_text()


def test_a_schema_newer_than_the_image_counts_as_ready(tmp_path, database_url):
    """After a rollback of the code the newer (backward compatible) schema stays; old pods must start."""
    env = _pod_env(tmp_path, database_url)
    _migrate(env)
    with psycopg2.connect(database_url) as conn, conn.cursor() as cur:
        cur.execute("UPDATE alembic_version SET version_num = 'from_a_later_release'")
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=CATALOG, env=env, capture_output=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_keeps_waiting_while_the_database_does_not_answer(tmp_path, server_url):
    closed = make_url(server_url).set(port=1, database="nowhere").render_as_string(hide_password=False)
    env, log = _pod_env(tmp_path, closed), tmp_path / "log"
    waiter = _start(env, log)
    try:
        _wait_for_text(log, "the database does not answer (OperationalError)")
        assert waiter.poll() is None
    finally:
        waiter.kill()
