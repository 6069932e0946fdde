"""gunicorn settings both services share; each service's gunicorn.conf.py imports them all.

    from shop_common.gunicorn_base import *  # then only what differs for that service

Every value that depends on the machine can be set from the environment. gunicorn reads the
config module's globals, hence the star import and `__all__`.
"""

import gc
import os
import sys
from typing import Any

from . import gunicorn_metrics
from .gunicorn_metrics import child_exit, on_exit, on_starting, worker_exit

__all__ = [
    "access_log_format",
    "accesslog",
    "bind",
    "child_exit",
    "control_socket_disable",
    "errorlog",
    "forwarded_allow_ips",
    "graceful_timeout",
    "keepalive",
    "logconfig_dict",
    "loglevel",
    "max_requests",
    "max_requests_jitter",
    "on_exit",
    "on_starting",
    "post_worker_init",
    "threads",
    "timeout",
    "worker_class",
    "worker_tmp_dir",
    "worker_exit",
    "workers",
]


def access_log_wanted() -> bool:
    """ACCESS_LOG: on (the default) or off; anything else stops start-up with a one-line message.

    Off where the gateway fronts the service: nginx logs every request with the same request id,
    status and timing, and gunicorn's line cost 8 % of a service's CPU in the profile
    (bench/README.md), a fifth of a minimal request's. A service run on its own keeps its line.
    """
    value = os.environ.get("ACCESS_LOG", "").strip().lower() or "on"
    if value not in ("on", "off"):
        sys.exit(f"ACCESS_LOG must be on or off, got {value!r}")
    return value == "on"


bind = os.environ.get("BIND", "0.0.0.0:8000")
# Blocking I/O (psycopg2, Redis, HTTP to catalog-service) with keep-alive: threads, no monkey-patching.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20  # below the container stop grace period (25 s), so in-flight requests finish
keepalive = 75  # longer than nginx's upstream keepalive_timeout (60 s), avoids reuse-after-close 502s
# Worker recycling is off: nothing here leaks, and under load a recycled worker takes 1-2 s to
# boot, which the benchmark saw as multi-second stalls (66 restarts in 5 minutes at 1000).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
# The heartbeat file on tmpfs, never on a disk-backed overlay; None keeps gunicorn's default.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 - tmpfs, not a temp file
control_socket_disable = True  # gunicorn >= 25.1 would otherwise want a writable $HOME
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")  # whose X-Forwarded-* to trust
accesslog: str | None = "-" if access_log_wanted() else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The request id comes from the response header the app always sets (the gateway's, or one it
# generated), so a line here matches the app's own log lines. No cookies are logged.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'
logconfig_dict: dict[str, Any] = {}
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    # One JSON object per line from every source: the app writes the request lines itself
    # (shop_common.json_logs), so gunicorn's text access line goes, and its own lines (boot,
    # worker exits) take the same JSON formatter.
    accesslog = None
    logconfig_dict = {
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["error_console"], "propagate": False}
        },
        "formatters": {"generic": {"()": "shop_common.json_logs.JsonFormatter"}},
    }
# on_starting, child_exit and on_exit (imported above) give the metrics' worker files a fresh
# tmpfs directory and drop a dead worker's share; worker_exit writes a worker's last figures;
# see shop_common.gunicorn_metrics.


def post_worker_init(worker: Any) -> None:
    """Freeze what loading the app allocated (about 90k objects) out of the cyclic collector's view.

    Otherwise every full collection walks them all: 25-45 ms with every thread of the worker
    stopped, measured here, which is a p99 spike. Requests' own garbage is collected as before.
    """
    gunicorn_metrics.post_worker_init(worker)
    gc.freeze()
