"""Settings read once from the environment; start-up stops with one line naming what is wrong."""

import sys
from dataclasses import dataclass

from shop_common.config import (
    env_bool,
    env_int,
    env_log_level,
    refuse_dev_secret,
    require_env,
    require_secret,
)

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
