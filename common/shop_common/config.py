"""Read settings from the environment once, failing fast with a one-line message naming the variable."""

import os
import sys
from typing import Any, Protocol

# Values shipped in .env.example and the dev stack; production mode refuses them.
DEV_SECRET_MARKER = "dev-only"  # noqa: S105 - a marker, not a secret
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ServiceConfig(Protocol):
    """What shop_common.web.new_app needs from a service's Config."""

    @property
    def log_level(self) -> str: ...

    def flask_config(self) -> dict[str, Any]:
        """The settings Flask and its extensions read from app.config."""
        ...


def require_env(name: str, service: str) -> str:
    """Return a required variable or stop start-up naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        sys.exit(f"{service}: missing required environment variable {name}")
    return value


def require_secret(name: str, service: str) -> str:
    """Return a required secret from NAME, or from the file that NAME_FILE names.

    NAME_FILE is the official images' convention for Docker and Kubernetes secrets, which
    arrive as files: the value never shows in `docker inspect` or the process environment.
    """
    file_name = f"{name}_FILE"
    path = os.environ.get(file_name, "").strip()
    if not path:
        return require_env(name, service)
    if os.environ.get(name, "").strip():
        sys.exit(f"{service}: both {name} and {file_name} are set; set only one")
    try:
        with open(path, encoding="utf-8") as file:
            value = file.read().rstrip("\r\n")  # `echo secret > file` adds a newline
    except (OSError, UnicodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        sys.exit(f"{service}: cannot read {file_name} ({path}): {reason}")
    if not value.strip():
        sys.exit(f"{service}: {file_name} ({path}) is empty")
    if "\n" in value or "\r" in value:
        sys.exit(f"{service}: {file_name} ({path}) holds more than one line")
    return value


def env_int(name: str, default: int, service: str) -> int:
    """Return an integer variable, stopping start-up if it is not one."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        sys.exit(f"{service}: environment variable {name} must be an integer, got {raw!r}")


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable: 1/true/yes/on are true."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    return raw in {"1", "true", "yes", "on"}


def env_log_level(service: str, name: str = "LOG_LEVEL") -> str:
    """Return LOG_LEVEL upper-cased (INFO when unset), stopping start-up on an unknown level."""
    level = os.environ.get(name, "").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        sys.exit(f"{service}: {name} must be {', '.join(LOG_LEVELS[:-1])} or {LOG_LEVELS[-1]}, got {level!r}")
    return level


def is_production() -> bool:
    """APP_ENV=production switches on the checks that refuse development secrets."""
    return os.environ.get("APP_ENV", "development").strip().lower() == "production"


def refuse_dev_secret(name: str, value: str, service: str, min_length: int = 32) -> None:
    """In production mode, stop start-up when a secret is a known development value or too short.

    URLs that carry a password (DATABASE_URL, REDIS_URL) pass min_length=0: only the marker counts.
    """
    if not is_production():
        return
    if DEV_SECRET_MARKER in value:
        sys.exit(f"{service}: {name} is a development value; set a real secret in production")
    if len(value) < min_length:
        sys.exit(f"{service}: {name} is shorter than {min_length} characters; set a real secret")
