"""The two health endpoints every service has, with the same names and bodies everywhere."""

import logging
from collections.abc import Callable

from flask import Blueprint

from .errors import ApiError


def health_blueprint(
    check_dependency: Callable[[], None],
    unavailable: tuple[type[Exception], ...],
    not_ready_message: str,
) -> Blueprint:
    """`/healthz`: the process is alive. `/readyz`: `check_dependency` returned, else 503.

    `check_dependency` asks the service's store (PostgreSQL, Redis) with a short timeout and
    raises one of `unavailable` when it does not answer; orchestrators and the gateway's
    healthchecks stop routing to the replica meanwhile. Both answer `{"status": "ok"}`.
    """
    bp = Blueprint("health", __name__)
    log = logging.getLogger(__name__)

    @bp.get("/healthz")
    def check_alive() -> dict[str, str]:
        """Say the process is alive; touches nothing else."""
        return {"status": "ok"}

    @bp.get("/readyz")
    def check_ready() -> dict[str, str]:
        """Say whether the service's store answers; 503 quickly when it does not."""
        try:
            check_dependency()
        except unavailable as error:
            log.warning("readiness check failed: %s", type(error).__name__)
            raise ApiError(503, not_ready_message) from None
        return {"status": "ok"}

    return bp
