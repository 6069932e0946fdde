"""session-service: sessions in Redis behind a signed cookie, sign-in via catalog-service."""

import logging

from flask import Flask, request
from shop_common.errors import ApiError, register_error_handlers
from shop_common.web import configure_logging, init_request_plumbing, register_outage_handlers

from . import sessions
from .config import SERVICE, Config
from .extensions import catalog, redis_store, session_store

log = logging.getLogger(__name__)

# Endpoints that work without Redis (liveness, the API description) or check it themselves.
_SESSIONLESS_ENDPOINTS = frozenset({"health.check_alive", "health.check_ready", "openapi.get_openapi"})
UNAVAILABLE_MESSAGE = "The session store is unavailable; please try again shortly."


def create_app(config: Config | None = None) -> Flask:
    """Build the app: settings, logging, request ids, extensions, blueprints, error handlers."""
    config = config or Config.from_env()
    app = Flask(__name__, static_folder=None)
    configure_app(app, config)
    configure_logging(SERVICE, config.log_level)
    init_request_plumbing(app)
    register_extensions(app, config)
    register_blueprints(app)
    register_error_handlers(app)
    register_redis_error_handlers(app)
    return app


def configure_app(app: Flask, config: Config) -> None:
    """Copy the settings Flask reads into app.config."""
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the serializers' order; sorting costs
    app.config.update(
        SECRET_KEY=config.secret_key,
        INTERNAL_SECRET=config.internal_secret,
        SESSION_COOKIE_NAME=sessions.COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.cookie_secure,
        SESSION_COOKIE_DOMAIN=None,  # host-only
        SESSION_COOKIE_PATH="/",
        SESSION_REFRESH_EACH_REQUEST=False,  # refreshing is done with GETEX/EXPIRE; see sessions.py
        MAX_CONTENT_LENGTH=64 * 1024,
        PROPAGATE_EXCEPTIONS=False,  # always answer with the JSON error shape, even in tests
    )


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
            raise ApiError(503, UNAVAILABLE_MESSAGE)


def register_blueprints(app: Flask) -> None:
    """Mount one blueprint per resource."""
    from . import openapi
    from .routes import auth, cookies, data, health

    for module in (auth, data, cookies, health, openapi):
        app.register_blueprint(module.bp)


def register_redis_error_handlers(app: Flask) -> None:
    """Turn Redis outages into 503, whether raised in a view or while saving the session."""
    register_outage_handlers(app, sessions.REDIS_UNAVAILABLE, UNAVAILABLE_MESSAGE)
