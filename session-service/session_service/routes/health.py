"""Liveness and readiness for orchestrators and compose healthchecks."""

from flask import Blueprint, current_app
from shop_common.errors import ApiError

from ..sessions import REDIS_UNAVAILABLE

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def get_healthz() -> dict[str, str]:
    """Say the process is alive; touches nothing else."""
    return {"status": "ok"}


@bp.get("/readyz")
def get_readyz() -> dict[str, str]:
    """Say whether Redis answers a PING."""
    try:
        current_app.extensions["redis"].ping()
    except REDIS_UNAVAILABLE:
        raise ApiError(503, "Redis is not reachable.") from None
    return {"status": "ready"}
