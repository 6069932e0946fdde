"""Start-up configuration: required variables, defaults, and no development secrets in production."""

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
    for name in ["APP_ENV", "SESSION_COOKIE_SECURE", "SESSION_IDLE_TIMEOUT", "SESSION_ABSOLUTE_LIFETIME"]:
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
