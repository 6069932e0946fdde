"""session-service: sessions in Redis behind a signed cookie, sign-in via catalog-service."""

import logging

from flask import Flask, Response, request
from shop_common.errors import INTERNAL_ERROR_MESSAGE, ApiError, error_response, register_error_handlers
from shop_common.web import configure_logging, init_request_plumbing, json_errors_outside_flask
from werkzeug.exceptions import InternalServerError

from . import sessions
from .catalog_client import CatalogClient
from .config import SERVICE, Config

log = logging.getLogger(__name__)

# Endpoints that work without Redis (liveness, the API description) or check it themselves.
_SESSIONLESS_ENDPOINTS = frozenset({"health.get_healthz", "health.get_readyz", "openapi.get_openapi"})
UNAVAILABLE_MESSAGE = "The session store is unavailable; please try again shortly."


def create_app(config: Config | None = None) -> Flask:
    """Build the app: settings, logging, sessions, blueprints, error handlers."""
    config = config or Config.from_env()
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the serializers' order; sorting costs
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
    app.config["SERVICE_CONFIG"] = config


def register_extensions(app: Flask, config: Config) -> None:
    """Create the Redis client, the session interface and the catalog-service client."""
    client = sessions.make_redis_client(config.redis_url, config.redis_timeout)
    app.extensions["redis"] = client
    sessions.init_sessions(app, client, config.secret_key, config.idle_timeout, config.absolute_lifetime)
    app.extensions["catalog"] = CatalogClient(
        config.catalog_url, config.internal_secret, config.catalog_timeout
    )

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

    @app.errorhandler(sessions.REDIS_UNAVAILABLE[0])
    @app.errorhandler(sessions.REDIS_UNAVAILABLE[1])
    def handle_redis_unavailable(error: Exception) -> Response:
        log.warning("Redis unavailable: %s", error)
        return error_response(503, UNAVAILABLE_MESSAGE)

    @app.errorhandler(InternalServerError)
    def handle_internal_error(error: InternalServerError) -> Response:
        # Errors raised after the view (saving the session) reach Flask as a wrapped 500
        if isinstance(error.original_exception, sessions.REDIS_UNAVAILABLE):
            return error_response(503, UNAVAILABLE_MESSAGE)
        return error_response(500, INTERNAL_ERROR_MESSAGE)

    # And for anything that escapes Flask's handlers (errors in the request teardown).
    json_errors_outside_flask(app, sessions.REDIS_UNAVAILABLE, UNAVAILABLE_MESSAGE)
