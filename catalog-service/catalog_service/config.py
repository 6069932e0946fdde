"""Settings read once from the environment; a missing required value stops start-up."""

import os
import sys
from collections.abc import Mapping
from typing import Any

from shop_common.config import env_int, refuse_dev_secret, require_env

SERVICE = "catalog-service"


def load_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return Flask config built from the environment; `overrides` (tests) win over it."""
    overrides = dict(overrides or {})

    def required(name: str) -> str:
        return str(overrides[name]) if name in overrides else require_env(name, SERVICE)

    def integer(name: str, default: int) -> int:
        return int(overrides[name]) if name in overrides else env_int(name, default, SERVICE)

    secret = required("INTERNAL_SECRET")
    refuse_dev_secret("INTERNAL_SECRET", secret, SERVICE)
    statement_timeout_ms = integer("DB_STATEMENT_TIMEOUT_MS", 5000)
    url = sqlalchemy_url(required("DATABASE_URL"))
    engine_options = {
        "pool_size": integer("DB_POOL_SIZE", 5),
        "max_overflow": integer("DB_MAX_OVERFLOW", 5),
        "pool_timeout": integer("DB_POOL_TIMEOUT", 3),  # seconds; a full pool answers 503, not hangs
        "pool_recycle": 1800,
        "connect_args": {
            "connect_timeout": 2,  # libpq's minimum; an unreachable database fails fast
            "options": f"-c statement_timeout={statement_timeout_ms} -c TimeZone=UTC",
            "application_name": SERVICE,
        },
    }
    config: dict[str, Any] = {
        "APP_ENV": os.environ.get("APP_ENV", "development"),
        "LOG_LEVEL": _log_level(),
        "INTERNAL_SECRET": secret,
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        # The same database for single-statement work, in autocommit mode: one round trip instead
        # of BEGIN, statement, ROLLBACK/COMMIT (see extensions.autocommit). A separate pool, so
        # no connection switches modes (psycopg2 would send a SET on every switch back).
        "SQLALCHEMY_BINDS": {"autocommit": {"url": url, **engine_options, "isolation_level": "AUTOCOMMIT"}},
        "STATEMENT_TIMEOUT_MS": statement_timeout_ms,
        "DB_PING_AFTER_IDLE_SECONDS": 5.0,  # see extensions.ping_idle_connections
        "MAX_CONTENT_LENGTH": 64 * 1024,
    }
    config.update({k: v for k, v in overrides.items() if k.isupper() and k not in {"DATABASE_URL"}})
    return config


def _log_level() -> str:
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        sys.exit(f"{SERVICE}: LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {level!r}")
    return level


def sqlalchemy_url(url: str) -> str:
    """Accept the libpq-style postgres:// and postgresql:// forms and pin the psycopg2 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url
