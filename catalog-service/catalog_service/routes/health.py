"""Liveness (no database) and readiness (the database answers within 2 s)."""

import logging

import sqlalchemy as sa
from flask import Blueprint
from shop_common.errors import ApiError
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..extensions import db

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def check_alive():
    """Say the process is alive; never touches the database."""
    return {"status": "ok"}


@bp.get("/readyz")
def check_ready():
    """Say whether the database answers; 503 quickly when it does not."""
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SET LOCAL statement_timeout = 1500"))
            conn.execute(sa.text("SELECT 1"))
    except (DBAPIError, SQLAlchemyError) as error:
        log.warning("readiness check failed: %s", type(error).__name__)
        raise ApiError(503, "The database is not answering.") from None
    return {"status": "ok"}
