"""Start-up configuration: required variables, production refuses development secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVICE_DIR = Path(__file__).resolve().parents[1]


def start(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "INTERNAL_SECRET", "APP_ENV"}}
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=SERVICE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({"INTERNAL_SECRET": "x" * 40}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgresql://h/db"}, "INTERNAL_SECRET"),
    ],
)
def test_missing_required_variable_stops_start_up_naming_it(env, missing):
    result = start(env)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"catalog-service: missing required environment variable {missing}"
    ]


def test_production_refuses_a_development_secret():
    result = start(
        {"APP_ENV": "production", "DATABASE_URL": "postgresql://h/db", "INTERNAL_SECRET": "dev-only-secret"}
    )
    assert result.returncode == 1
    assert "INTERNAL_SECRET" in result.stderr


def test_production_accepts_a_real_secret():
    result = start(
        {"APP_ENV": "production", "DATABASE_URL": "postgresql://h/db", "INTERNAL_SECRET": "s" * 40}
    )
    assert result.returncode == 0, result.stderr


def test_invalid_log_level_stops_start_up():
    result = start({"DATABASE_URL": "postgresql://h/db", "INTERNAL_SECRET": "s" * 40, "LOG_LEVEL": "chatty"})
    assert result.returncode == 1
    assert "LOG_LEVEL" in result.stderr
