"""catalog-service: users, goods and who owns what, over PostgreSQL."""

import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response
from shop_common.errors import error_response, register_error_handlers
from shop_common.web import configure_logging, init_request_plumbing, json_errors_outside_flask
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.routing import BaseConverter, ValidationError

from .config import SERVICE, load_config
from .extensions import db, migrate, ping_idle_connections

DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."

log = logging.getLogger(__name__)
MAX_ID = 2**31 - 1  # ids are PostgreSQL integers


class IdConverter(BaseConverter):
    """A positive integer id; anything larger than the column can hold is simply not found."""

    regex = r"\d{1,20}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides values read from the environment."""
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep the serializers' order; sorting costs
    app.config.update(load_config(config))
    configure_logging(SERVICE, app.config["LOG_LEVEL"])
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = False
    init_request_plumbing(app)
    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_database_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine, app.config["DB_PING_AFTER_IDLE_SECONDS"])
    from .models import include_in_autogenerate

    migrate.init_app(app, db, directory=str(_migrations_dir()), include_object=include_in_autogenerate)


def register_blueprints(app: Flask) -> None:
    from .openapi import bp as openapi_bp
    from .routes import goods, health, internal, me, users

    for blueprint in (goods.bp, users.bp, me.bp, internal.bp, health.bp, openapi_bp):
        app.register_blueprint(blueprint)


def register_database_error_handlers(app: Flask) -> None:
    """An unreachable database is a 503 the client can retry, never a 500 or a hang."""

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    @app.errorhandler(PoolTimeoutError)
    def handle_database_unavailable(error: Exception) -> Response:
        log.warning("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
        with contextlib.suppress(Exception):  # the connection is already gone; just release it
            db.session.rollback()
        return error_response(503, DATABASE_UNAVAILABLE)

    # The same for a database error after the view, while the connection is released.
    json_errors_outside_flask(app, (DBAPIError, PoolTimeoutError), DATABASE_UNAVAILABLE)


def register_commands(app: Flask) -> None:
    from .cli import seed

    app.cli.add_command(seed)


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"
