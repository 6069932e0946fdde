"""Liveness (no Redis) and readiness (Redis answers a PING within the client's timeout)."""

from shop_common.health import health_blueprint

from ..extensions import redis_store
from ..sessions import REDIS_UNAVAILABLE


def redis_answers() -> None:
    """Raise unless Redis answers a PING."""
    redis_store.client.ping()


bp = health_blueprint(redis_answers, REDIS_UNAVAILABLE, "Redis is not reachable.")
