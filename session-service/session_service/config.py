"""Settings read once from the environment; start-up stops with one line naming what is wrong."""

import sys
from dataclasses import dataclass
from typing import Any

from shop_common.config import (
    env_bool,
    env_int,
    env_log_level,
    refuse_dev_secret,
    require_env,
    require_secret,
)

from .sessions import COOKIE_NAME

SERVICE = "session-service"


@dataclass(frozen=True)
class Config:
    secret_key: str
    redis_url: str
    catalog_url: str
    internal_secret: str
    cookie_secure: bool = False
    idle_timeout: int = 1800
    absolute_lifetime: int = 43200
    log_level: str = "INFO"
    # Kept below 1 s so two Redis round trips still answer well within the 2 s budget.
    redis_timeout: float = 0.75
    catalog_timeout: float = 2.0

    @classmethod
    def from_env(cls) -> "Config":
        """Build the config from os.environ, refusing missing values and development secrets in production."""
        secret_key = require_secret("SECRET_KEY", SERVICE)
        redis_url = require_secret("REDIS_URL", SERVICE)  # may hold a password
        catalog_url = require_env("CATALOG_URL", SERVICE).rstrip("/")
        internal_secret = require_secret("INTERNAL_SECRET", SERVICE)
        refuse_dev_secret("SECRET_KEY", secret_key, SERVICE)
        refuse_dev_secret("INTERNAL_SECRET", internal_secret, SERVICE)
        refuse_dev_secret("REDIS_URL", redis_url, SERVICE, min_length=0)
        idle = env_int("SESSION_IDLE_TIMEOUT", cls.idle_timeout, SERVICE)
        absolute = env_int("SESSION_ABSOLUTE_LIFETIME", cls.absolute_lifetime, SERVICE)
        if idle <= 0 or absolute <= 0:
            sys.exit(f"{SERVICE}: SESSION_IDLE_TIMEOUT and SESSION_ABSOLUTE_LIFETIME must be positive")
        return cls(
            secret_key=secret_key,
            redis_url=redis_url,
            catalog_url=catalog_url,
            internal_secret=internal_secret,
            cookie_secure=env_bool("SESSION_COOKIE_SECURE", False),
            idle_timeout=idle,
            absolute_lifetime=absolute,
            log_level=env_log_level(SERVICE),
        )

    def flask_config(self) -> dict[str, Any]:
        """The settings Flask reads from app.config."""
        return {
            "SECRET_KEY": self.secret_key,
            "INTERNAL_SECRET": self.internal_secret,
            "SESSION_COOKIE_NAME": COOKIE_NAME,
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.cookie_secure,
            "SESSION_COOKIE_DOMAIN": None,  # host-only
            "SESSION_COOKIE_PATH": "/",
            "SESSION_REFRESH_EACH_REQUEST": False,  # refreshing is done with GETEX/EXPIRE; see sessions.py
            "MAX_CONTENT_LENGTH": 64 * 1024,
            "PROPAGATE_EXCEPTIONS": False,  # always answer with the JSON error shape, even in tests
        }
