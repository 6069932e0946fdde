"""Settings read once from the environment; start-up stops with one line naming what is wrong."""

import os
from dataclasses import dataclass
from typing import Any

from shop_common.config import env_int, env_log_level, refuse_dev_secret, require_secret

SERVICE = "catalog-service"


@dataclass(frozen=True)
class Config:
    database_url: str
    internal_secret: str
    log_level: str = "INFO"
    db_pool_size: int = 5  # per worker process; keep >= gunicorn's threads
    db_max_overflow: int = 5
    db_pool_timeout: int = 3  # seconds; a full pool answers 503, not hangs
    db_statement_timeout_ms: int = 5000
    db_ping_after_idle_seconds: float = 5.0  # see extensions.ping_idle_connections
    max_content_length: int = 64 * 1024

    @classmethod
    def from_env(cls) -> "Config":
        """Build the config from os.environ, refusing missing values and development secrets in production."""
        internal_secret = require_secret("INTERNAL_SECRET", SERVICE)
        database_url = require_secret("DATABASE_URL", SERVICE)
        refuse_dev_secret("INTERNAL_SECRET", internal_secret, SERVICE)
        refuse_dev_secret("DATABASE_URL", database_url, SERVICE, min_length=0)
        # libpq's own variable: docker-compose.yml passes the password this way, not in the URL
        refuse_dev_secret("PGPASSWORD", os.environ.get("PGPASSWORD", ""), SERVICE, min_length=0)
        return cls(
            database_url=database_url,
            internal_secret=internal_secret,
            log_level=env_log_level(SERVICE),
            db_pool_size=env_int("DB_POOL_SIZE", cls.db_pool_size, SERVICE),
            db_max_overflow=env_int("DB_MAX_OVERFLOW", cls.db_max_overflow, SERVICE),
            db_pool_timeout=env_int("DB_POOL_TIMEOUT", cls.db_pool_timeout, SERVICE),
            db_statement_timeout_ms=env_int("DB_STATEMENT_TIMEOUT_MS", cls.db_statement_timeout_ms, SERVICE),
        )

    def flask_config(self) -> dict[str, Any]:
        """The settings Flask and Flask-SQLAlchemy read from app.config."""
        url = sqlalchemy_url(self.database_url)
        engine_options = {
            "pool_size": self.db_pool_size,
            "max_overflow": self.db_max_overflow,
            "pool_timeout": self.db_pool_timeout,
            "pool_recycle": 1800,
            "connect_args": {
                "connect_timeout": 2,  # libpq's minimum; an unreachable database fails fast
                "options": f"-c statement_timeout={self.db_statement_timeout_ms} -c TimeZone=UTC",
                "application_name": SERVICE,
            },
        }
        return {
            "INTERNAL_SECRET": self.internal_secret,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            # The same database for single-statement work, in autocommit mode: one round trip instead
            # of BEGIN, statement, ROLLBACK/COMMIT (see extensions.autocommit). A separate pool, so
            # no connection switches modes (psycopg2 would send a SET on every switch back).
            "SQLALCHEMY_BINDS": {
                "autocommit": {"url": url, **engine_options, "isolation_level": "AUTOCOMMIT"},
            },
            "MAX_CONTENT_LENGTH": self.max_content_length,
        }


def sqlalchemy_url(url: str) -> str:
    """Accept the libpq-style postgres:// and postgresql:// forms and pin the psycopg2 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix) :]
    return url
