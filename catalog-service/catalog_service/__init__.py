"""catalog-service: users, goods and who owns what, over PostgreSQL."""

from pathlib import Path

from flask import Flask
from shop_common.metrics import init_metrics, track_pool
from shop_common.tracing import init_tracing
from shop_common.web import build_app, register_outage_handlers
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from . import crud
from .config import SERVICE, Config
from .extensions import db, migrate, ping_idle_connections
from .validation import IdConverter

DATABASE_UNAVAILABLE = "The database is unavailable; try again shortly."


def create_app(config: Config | None = None) -> Flask:
    """Build the app: the shared basics (app.config, logging, request ids, JSON errors), then these."""
    steps = (
        register_extensions,
        register_blueprints,
        register_tracing,
        register_database_error_handlers,
        register_commands,
        register_metrics,
    )
    return build_app(__name__, SERVICE, config or Config.from_env(), *steps)


def register_extensions(app: Flask, config: Config) -> None:
    """Bind the database and migrations to the app."""
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            ping_idle_connections(engine, config.db_ping_after_idle_seconds)
        crud.read_prices_and_times_as_text(db.engines["autocommit"])  # the engine crud.py uses
    from .models import include_in_autogenerate

    migrate.init_app(app, db, directory=str(_migrations_dir()), include_object=include_in_autogenerate)


def register_blueprints(app: Flask, config: Config) -> None:
    """Mount one blueprint per resource; `<id:...>` in their rules is a row id."""
    app.url_map.converters["id"] = IdConverter
    app.url_map.strict_slashes = False
    from .openapi import bp as openapi_bp
    from .routes import goods, health, internal, me, users

    for blueprint in (goods.bp, users.bp, me.bp, internal.bp, health.bp, openapi_bp):
        app.register_blueprint(blueprint)


def register_tracing(app: Flask, config: Config) -> None:
    """Trace requests and their SQL statements, when OTEL_EXPORTER_OTLP_ENDPOINT is set."""
    with app.app_context():
        init_tracing(app, SERVICE, engines=db.engines.values())


def register_database_error_handlers(app: Flask, config: Config) -> None:
    """An unreachable database is a 503 the client can retry, never a 500 or a hang."""
    register_outage_handlers(
        app,
        (OperationalError, InterfaceError, PoolTimeoutError),
        DATABASE_UNAVAILABLE,
        dependency="postgresql",
        after_response=(DBAPIError,),  # any driver error while a connection is released
        release=db.session.rollback,
    )


def register_metrics(app: Flask, config: Config) -> None:
    """Count requests per route and connections in use per pool (last: it wraps the whole app)."""
    init_metrics(app, SERVICE, unavailable_cause="postgresql")
    with app.app_context():
        for bind_key, engine in db.engines.items():
            track_pool(app, engine, bind_key or "default")


def register_commands(app: Flask, config: Config) -> None:
    """Add `flask seed`."""
    from .cli import seed

    app.cli.add_command(seed)


def _migrations_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "migrations"
