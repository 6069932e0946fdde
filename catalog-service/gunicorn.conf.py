"""gunicorn settings for catalog-service: the shared ones, and what differs here."""

from shop_common.gunicorn_base import *  # noqa: F403 - gunicorn reads this module's globals
from shop_common.json_logs import set_process_service

# Names gunicorn's own JSON lines (boot, worker exits), written before the app has named its process.
set_process_service("catalog-service")

# Nothing differs. Each thread holds at most one connection per pool, so keep DB_POOL_SIZE at or
# above GUNICORN_THREADS, or requests wait for a connection (pool_timeout) and answer 503.
