"""gunicorn settings for session-service: the shared ones, and what differs here."""

from shop_common.gunicorn_base import *  # noqa: F403 - gunicorn reads this module's globals

# Nothing differs: Redis and the catalog-service call are blocking I/O, served by gthread's threads.
