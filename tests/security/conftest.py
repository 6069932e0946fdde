"""Fixtures for the security tests: the secrets the stack uses, SQL and logs in either mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from shop_stack.settings import setting

SECRETS = ("INTERNAL_SECRET", "SECRET_KEY", "POSTGRES_PASSWORD")


@pytest.fixture(scope="session")
def secrets_in_use(stack: Any) -> dict[str, str]:
    """The secrets the running stack uses (development values: the suite runs a throwaway stack)."""
    if stack.mode not in ("local", "compose"):
        pytest.skip("needs a stack this session started")
    return {name: setting(name) for name in SECRETS}


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

    def run_compose(query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        import psycopg2.extensions

        text = query % tuple(psycopg2.extensions.adapt(p).getquoted().decode() for p in params)
        return [tuple(line.split("|")) for line in stack.compose.psql(text).splitlines() if line]

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
        return str(stack.compose.compose("logs", "--no-color", capture_output=True, timeout=120).stdout)

    return compose_logs
