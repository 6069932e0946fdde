"""Start-up configuration: required variables, defaults, secrets from files, production's refusals."""

import pytest
from session_service.config import Config

REQUIRED = {
    "SECRET_KEY": "k" * 40,
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "CATALOG_URL": "http://127.0.0.1:8001/",
    "INTERNAL_SECRET": "i" * 40,
}


@pytest.fixture
def env(monkeypatch):
    optional = ["APP_ENV", "LOG_LEVEL", "SESSION_COOKIE_SECURE", "SESSION_IDLE_TIMEOUT"]
    for name in [*optional, "SESSION_ABSOLUTE_LIFETIME", *(f"{name}_FILE" for name in REQUIRED)]:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults(env):
    config = Config.from_env()
    assert config.idle_timeout == 1800
    assert config.absolute_lifetime == 43200
    assert config.cookie_secure is False
    assert config.catalog_url == "http://127.0.0.1:8001"


def test_overrides(env):
    env.setenv("SESSION_IDLE_TIMEOUT", "60")
    env.setenv("SESSION_ABSOLUTE_LIFETIME", "120")
    env.setenv("SESSION_COOKIE_SECURE", "true")
    config = Config.from_env()
    assert (config.idle_timeout, config.absolute_lifetime, config.cookie_secure) == (60, 120, True)


@pytest.mark.parametrize("name", list(REQUIRED))
def test_missing_required_variable_stops_start_up_naming_it(env, name):
    env.delenv(name)
    with pytest.raises(SystemExit) as stopped:
        Config.from_env()
    assert name in str(stopped.value)
    assert "\n" not in str(stopped.value)


@pytest.mark.parametrize("name", ["SECRET_KEY", "INTERNAL_SECRET"])
def test_production_refuses_development_secrets(env, name):
    env.setenv("APP_ENV", "production")
    env.setenv(name, "dev-only-secret-value-that-is-long-enough")
    with pytest.raises(SystemExit) as stopped:
        Config.from_env()
    assert name in str(stopped.value)


def test_development_accepts_development_secrets(env):
    env.setenv("SECRET_KEY", "dev-only-secret")
    assert Config.from_env().secret_key == "dev-only-secret"


def test_non_positive_timeouts_are_refused(env):
    env.setenv("SESSION_IDLE_TIMEOUT", "0")
    with pytest.raises(SystemExit):
        Config.from_env()


@pytest.mark.parametrize("name", ["SECRET_KEY", "INTERNAL_SECRET", "REDIS_URL"])
def test_a_secret_can_come_from_a_file_with_the_trailing_newline_stripped(env, tmp_path, name):
    secret = tmp_path / "secret"
    secret.write_text(REQUIRED[name] + "-from-a-file\n")
    env.delenv(name)
    env.setenv(f"{name}_FILE", str(secret))
    assert getattr(Config.from_env(), name.lower()) == REQUIRED[name] + "-from-a-file"


@pytest.mark.parametrize("problem", ["both set", "missing file", "a directory", "empty file"])
@pytest.mark.parametrize("name", ["SECRET_KEY", "INTERNAL_SECRET", "REDIS_URL"])
def test_a_secret_file_that_cannot_be_used_stops_start_up_naming_it(env, tmp_path, name, problem):
    secret = tmp_path / "secret"
    secret.write_text("\n" if problem == "empty file" else REQUIRED[name])
    path = {"missing file": tmp_path / "absent", "a directory": tmp_path}.get(problem, secret)
    if problem != "both set":
        env.delenv(name)
    env.setenv(f"{name}_FILE", str(path))
    with pytest.raises(SystemExit) as stopped:
        Config.from_env()
    message = str(stopped.value)
    assert message.startswith("session-service: ") and f"{name}_FILE" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECRET_KEY", "dev-only-session-secret-change-me-0123456789"),
        ("INTERNAL_SECRET", "dev-only-internal-secret-change-me-0123456789"),
        ("REDIS_URL", "redis://:dev-only-redis-password@redis:6379/0"),
    ],
)
def test_production_refuses_a_development_value_from_a_file(env, tmp_path, name, value):
    secret = tmp_path / "secret"
    secret.write_text(value + "\n")
    env.setenv("APP_ENV", "production")
    env.delenv(name)
    env.setenv(f"{name}_FILE", str(secret))
    with pytest.raises(SystemExit) as stopped:
        Config.from_env()
    assert str(stopped.value).startswith(f"session-service: {name} is a development value")


def test_an_unknown_log_level_stops_start_up(env):
    env.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(SystemExit) as stopped:
        Config.from_env()
    assert "LOG_LEVEL" in str(stopped.value)
