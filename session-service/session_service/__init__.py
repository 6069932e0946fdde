"""session-service: sessions in Redis behind a signed cookie, sign-in via catalog-service."""

import logging

from flask import Flask, request
from shop_common.errors import ApiError
from shop_common.metrics import count_dependency_error, init_metrics
from shop_common.web import new_app, register_outage_handlers

from . import auth_check, sessions
from .config import SERVICE, Config
from .extensions import catalog, redis_store, session_store

log = logging.getLogger(__name__)

# Endpoints that work without Redis (liveness, the API description) or check it themselves.
_SESSIONLESS_ENDPOINTS = frozenset({"health.check_alive", "health.check_ready", "openapi.get_openapi"})
UNAVAILABLE_MESSAGE = "The session store is unavailable; please try again shortly."


def create_app(config: Config | None = None) -> Flask:
    """Build the app: settings and the shared basics, extensions, routes, outage handling."""
    config = config or Config.from_env()
    app = new_app(__name__, SERVICE, config)  # app.config, logging, request ids, JSON errors
    register_extensions(app, config)
    register_blueprints(app)
    auth_check.install(app)  # GET /auth's yes without a Flask request; inside the wrappers below
    register_redis_error_handlers(app)
    # Last: it wraps the whole app. A 503 is Redis's doing unless sign-in blames catalog-service.
    init_metrics(app, SERVICE, unavailable_cause="redis", sign_in_endpoint="auth.login")
    return app


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


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per resource."""
    from . import openapi
    from .routes import auth, cookies, data, health

    for module in (auth, data, cookies, health, openapi):
        app.register_blueprint(module.bp)


def register_redis_error_handlers(app: Flask) -> None:
    """Turn Redis outages into 503, whether raised in a view or while saving the session."""
    register_outage_handlers(app, sessions.REDIS_UNAVAILABLE, UNAVAILABLE_MESSAGE, dependency="redis")
