"""Liveness (no database) and readiness (the database answers within 1.5 s)."""

import sqlalchemy as sa
from shop_common.health import health_blueprint
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db


def database_answers() -> None:
    """Raise unless PostgreSQL runs a query; the statement timeout keeps a stuck server from hanging us."""
    with db.engine.connect() as conn:
        conn.execute(sa.text("SET LOCAL statement_timeout = 1500"))
        conn.execute(sa.text("SELECT 1"))


bp = health_blueprint(database_answers, (SQLAlchemyError,), "The database is not answering.")
