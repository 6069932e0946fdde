"""Fixtures for the security tests: the stack's internal secret and a way to run SQL in either mode."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stack import DEV_INTERNAL_SECRET, DEV_SECRET_KEY

ROOT = Path(__file__).resolve().parents[2]
# docker-compose.yml's defaults when no .env overrides them
COMPOSE_DEFAULTS = {
    "INTERNAL_SECRET": "dev-only-internal-secret-change-me-0123456789",
    "SECRET_KEY": "dev-only-session-secret-change-me-0123456789",
    "POSTGRES_PASSWORD": "dev-only-postgres-password",
}


@pytest.fixture(scope="session")
def secrets_in_use(stack: Any) -> dict[str, str]:
    """The secrets the running stack uses (development values: the suite runs a throwaway stack)."""
    if stack.mode == "local":
        return {"INTERNAL_SECRET": DEV_INTERNAL_SECRET, "SECRET_KEY": DEV_SECRET_KEY}
    if stack.mode == "compose":
        return {k: os.environ.get(k, v) for k, v in COMPOSE_DEFAULTS.items()}
    pytest.skip("needs a stack this session started")


@pytest.fixture(scope="session")
def internal_secret(secrets_in_use: dict[str, str]) -> str:
    return secrets_in_use["INTERNAL_SECRET"]


@pytest.fixture(scope="session")
def sql(stack: Any) -> Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Run one read-only query against the catalog database; rows as tuples of strings (compose) or values."""
    if stack.mode == "local":
        import psycopg2

        def run_local(query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
            with psycopg2.connect(stack.local.database_url) as conn, conn.cursor() as cur:
                cur.execute(query, params)
                return list(cur.fetchall())

        return run_local
    if stack.mode != "compose":
        pytest.skip("needs a stack this session started")
    env = stack.compose_env

    def run_compose(query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg2.extensions

        text = query % tuple(psycopg2.extensions.adapt(p).getquoted().decode() for p in params)
        out = subprocess.run(
            ["docker", "compose", "-p", stack.compose_project, "exec", "-T", "postgres", "psql"]
            + [
                "-U",
                env.get("POSTGRES_USER", "shop"),
                "-d",
                env.get("POSTGRES_DB", "shop"),
                "-At",
                "-c",
                text,
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return [tuple(line.split("|")) for line in out.splitlines() if line]

    return run_compose


@pytest.fixture(scope="session")
def all_logs(stack: Any) -> Callable[[], str]:
    """Everything the stack has logged so far."""
    if stack.mode == "local":
        return lambda: "\n".join(
            p.read_text(errors="replace") for p in sorted((stack.local.workdir / "logs").glob("*.log"))
        )
    if stack.mode != "compose":
        pytest.skip("needs a stack this session started")

    def compose_logs() -> str:
        return subprocess.run(
            ["docker", "compose", "-p", stack.compose_project, "logs", "--no-color"],
            cwd=ROOT,
            env={**os.environ, **stack.compose_env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout

    return compose_logs
