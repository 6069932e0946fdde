"""Start-up configuration: required variables, secrets from files, production refuses development secrets."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVICE_DIR = Path(__file__).resolve().parents[1]


SETTINGS = {"DATABASE_URL", "INTERNAL_SECRET", "APP_ENV", "LOG_LEVEL", "PGPASSWORD"}


def start(env: dict[str, str], code: str = "import wsgi") -> subprocess.CompletedProcess:
    """Import the app as gunicorn would, in a process that sees only `env`'s settings."""
    clean = {k: v for k, v in os.environ.items() if k.removesuffix("_FILE") not in SETTINGS}
    return subprocess.run(
        [sys.executable, "-c", code],
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


def test_production_refuses_a_development_password_given_to_libpq():
    # docker-compose.yml passes the account as PGUSER/PGPASSWORD/PGDATABASE next to a server-only URL
    env = {"APP_ENV": "production", "DATABASE_URL": "postgresql://h", "INTERNAL_SECRET": "s" * 40}
    result = start({**env, "PGPASSWORD": "dev-only-postgres-password"})
    assert result.returncode == 1
    assert "PGPASSWORD is a development value" in result.stderr


def test_production_accepts_a_real_secret():
    result = start(
        {"APP_ENV": "production", "DATABASE_URL": "postgresql://h/db", "INTERNAL_SECRET": "s" * 40}
    )
    assert result.returncode == 0, result.stderr


def test_invalid_log_level_stops_start_up():
    result = start({"DATABASE_URL": "postgresql://h/db", "INTERNAL_SECRET": "s" * 40, "LOG_LEVEL": "chatty"})
    assert result.returncode == 1
    assert "LOG_LEVEL" in result.stderr


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_secrets_can_come_from_files_with_the_trailing_newline_stripped(tmp_path):
    result = start(
        {
            "INTERNAL_SECRET_FILE": write(tmp_path / "internal_secret", "s" * 40 + "\n"),
            "DATABASE_URL_FILE": write(tmp_path / "database_url", "postgresql://h/db\n"),
        },
        "import wsgi; c = wsgi.app.config; print(c['INTERNAL_SECRET'], c['SQLALCHEMY_DATABASE_URI'])",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["s" * 40, "postgresql+psycopg2://h/db"]


@pytest.mark.parametrize(
    ("problem", "variable"),
    [
        ("both set", "INTERNAL_SECRET_FILE"),
        ("missing file", "INTERNAL_SECRET_FILE"),
        ("a directory", "INTERNAL_SECRET_FILE"),
        ("empty file", "INTERNAL_SECRET_FILE"),
        ("empty file", "DATABASE_URL_FILE"),
    ],
)
def test_a_secret_file_that_cannot_be_used_stops_start_up_naming_it(tmp_path, problem, variable):
    env = {"INTERNAL_SECRET": "s" * 40, "DATABASE_URL": "postgresql://h/db"}
    name = variable.removesuffix("_FILE")
    paths = {
        "both set": write(tmp_path / "secret", env[name]),
        "missing file": str(tmp_path / "absent"),
        "a directory": str(tmp_path),
        "empty file": write(tmp_path / "secret", "\n"),
    }
    if problem != "both set":
        del env[name]
    result = start({**env, variable: paths[problem]})
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("catalog-service: ") and variable in line


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("INTERNAL_SECRET", "dev-only-internal-secret-change-me-0123456789"),
        ("DATABASE_URL", "postgresql://shop:dev-only-postgres-password@h/db"),
    ],
)
def test_production_refuses_a_development_value_from_a_file(tmp_path, variable, value):
    env = {"APP_ENV": "production", "INTERNAL_SECRET": "s" * 40, "DATABASE_URL": "postgresql://h/db"}
    del env[variable]
    result = start({**env, f"{variable}_FILE": write(tmp_path / "secret", value + "\n")})
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"catalog-service: {variable} is a development value")
