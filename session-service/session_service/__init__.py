"""session-service: sessions in Redis behind a signed cookie, sign-in via catalog-service."""

import logging

from flask import Flask, request
from shop_common.errors import ApiError
from shop_common.metrics import count_dependency_error, init_metrics
from shop_common.tracing import init_tracing
from shop_common.web import build_app, register_outage_handlers

from . import auth_check, sessions
from .config import SERVICE, Config
from .extensions import catalog, redis_store, session_store

log = logging.getLogger(__name__)

# Endpoints that work without Redis (liveness, the API description) or check it themselves.
_SESSIONLESS_ENDPOINTS = frozenset({"health.check_alive", "health.check_ready", "openapi.get_openapi"})
UNAVAILABLE_MESSAGE = "The session store is unavailable; please try again shortly."


def create_app(config: Config | None = None) -> Flask:
    """Build the app: the shared basics (app.config, logging, request ids, JSON errors), then these."""
    steps = (register_extensions, register_tracing, register_blueprints, register_outages, register_metrics)
    return build_app(__name__, SERVICE, config or Config.from_env(), *steps)


def register_extensions(app: Flask, config: Config) -> None:
    """Bind the Redis client, the session store on it and the catalog-service client to the app."""
    redis_store.init_app(app, config)
    session_store.init_app(app, config)
    catalog.init_app(app, config)

    @app.before_request
    def require_session_store() -> None:
        # Notes left by open_session; reading flask.session here would add Vary: Cookie everywhere.
        if request.environ.get(sessions.BAD_COOKIE_FLAG):
            log.info("ignored a session cookie with a bad signature")
        failure = request.environ.get(sessions.UNAVAILABLE_FLAG)
        if failure and request.endpoint not in _SESSIONLESS_ENDPOINTS:
            log.warning("Redis unavailable while opening the session: %s", failure)
            count_dependency_error("redis")
            raise ApiError(503, UNAVAILABLE_MESSAGE)


def register_tracing(app: Flask, config: Config) -> None:
    """Trace requests, Redis commands and calls to catalog-service, when OTEL_EXPORTER_OTLP_ENDPOINT is
    set; before the /auth fast path, which traces the answers it gives itself (auth_check.py)."""
    init_tracing(app, SERVICE, clients=("redis", "requests"))


def register_blueprints(app: Flask, config: Config) -> None:
    """Mount one blueprint per resource, and GET /auth's fast path in front of them (auth_check.py):
    its yes without a Flask request, inside the outage and metrics wrappers the next steps add."""
    from . import openapi
    from .routes import auth, cookies, data, health

    for module in (auth, data, cookies, health, openapi):
        app.register_blueprint(module.bp)
    auth_check.install(app)


def register_outages(app: Flask, config: Config) -> None:
    """Turn Redis outages into 503, whether raised in a view or while saving the session."""
    register_outage_handlers(app, sessions.REDIS_UNAVAILABLE, UNAVAILABLE_MESSAGE, dependency="redis")


def register_metrics(app: Flask, config: Config) -> None:
    """Count requests per route (last: it wraps the whole app). A 503 is Redis's doing unless sign-in
    blames catalog-service."""
    init_metrics(app, SERVICE, unavailable_cause="redis", sign_in_endpoint="auth.login")
