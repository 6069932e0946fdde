"""What the service talks to, created unbound; the application factory binds each to its app.

Like Flask extensions, each keeps its per-app object in ``app.extensions`` and finds it through
``current_app``, so the many apps a test run builds never share a client.
"""

from typing import cast

import redis
from flask import Flask, current_app
from redis.backoff import NoBackoff
from redis.retry import Retry

from .catalog_client import CatalogClient
from .config import Config
from .sessions import SignedRedisSessionInterface


class RedisStore:
    """The app's Redis client: short timeouts, so an outage answers 503 quickly instead of hanging."""

    def init_app(self, app: Flask, config: Config) -> None:
        app.extensions["redis"] = redis.Redis.from_url(
            config.redis_url,
            socket_connect_timeout=config.redis_timeout,
            socket_timeout=config.redis_timeout,
            # One retry, connection errors only, reconnects a pooled socket that died with a Redis
            # restart; the default (10 retries with backoff) would keep a request waiting for seconds.
            retry=Retry(NoBackoff(), 1, supported_errors=(redis.exceptions.ConnectionError,)),
            decode_responses=False,
        )

    @property
    def client(self) -> redis.Redis:
        return cast(redis.Redis, current_app.extensions["redis"])


class SessionStore:
    """Server-side sessions in the app's Redis (sessions.py), installed as Flask's session interface."""

    def init_app(self, app: Flask, config: Config) -> None:
        client = app.extensions["redis"]  # bound first, by RedisStore
        app.session_interface = SignedRedisSessionInterface(
            app, client, config.secret_key, config.idle_timeout, config.absolute_lifetime
        )


class Catalog:
    """The client for catalog-service's credential check."""

    def init_app(self, app: Flask, config: Config) -> None:
        app.extensions["catalog"] = CatalogClient(
            config.catalog_url, config.internal_secret, config.catalog_timeout
        )

    @property
    def client(self) -> CatalogClient:
        return cast(CatalogClient, current_app.extensions["catalog"])


redis_store = RedisStore()
session_store = SessionStore()
catalog = Catalog()
