"""Read settings from the environment once, failing fast with a one-line message."""

import os
import sys

# Values shipped in .env.example and the dev stack; production mode refuses them.
DEV_SECRET_MARKER = "dev-only"  # noqa: S105 - a marker, not a secret


def require_env(name: str, service: str) -> str:
    """Return a required variable or stop start-up naming it."""
    value = os.environ.get(name, "").strip()
    if not value:
        sys.exit(f"{service}: missing required environment variable {name}")
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


def is_production() -> bool:
    """APP_ENV=production switches on the checks that refuse development secrets."""
    return os.environ.get("APP_ENV", "development").strip().lower() == "production"


def refuse_dev_secret(name: str, value: str, service: str) -> None:
    """In production mode, stop start-up when a secret is a known development value."""
    if is_production() and (DEV_SECRET_MARKER in value or len(value) < 32):
        sys.exit(
            f"{service}: {name} is a development value or shorter than 32 characters; "
            "set a real secret in production"
        )
