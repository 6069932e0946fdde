"""Fixtures: a real, throwaway redis-server; the app; a fake catalog-service HTTP API (responses)."""

import os
from collections.abc import Iterator

import pytest
import redis
import responses
from flask import Flask
from flask.testing import FlaskClient
from session_helpers import VERIFY_URL, RedisServer, make_config, verify_callback
from session_service import create_app
from session_service.config import Config


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """REDIS_URL when set, else a throwaway redis-server for the whole run."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer()
    server.start()
    try:
        yield server.url
    finally:
        server.cleanup()


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A private redis-server that a test may stop, restart or pause."""
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("sess:*"):
        client.delete(key)
    yield client
    client.close()


@pytest.fixture
def config(redis_url: str) -> Config:
    return make_config(redis_url)


@pytest.fixture
def app(config: Config, redis_client: redis.Redis) -> Flask:
    return create_app(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def catalog() -> Iterator[responses.RequestsMock]:
    """catalog-service's credential check, faked at the HTTP level."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.POST, VERIFY_URL, callback=verify_callback)
        yield mock
