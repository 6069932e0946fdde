"""gunicorn settings for catalog-service; every value can be overridden from the environment."""

import gc
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
worker_class = "gthread"  # blocking psycopg2 I/O: threads, not an event loop
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))  # keep DB_POOL_SIZE >= threads
timeout = 30
graceful_timeout = 20  # below the container stop grace period
keepalive = 75  # longer than nginx's upstream keepalive_timeout (60 s), avoids reuse-after-close 502s
# Worker recycling is off: nothing here leaks, and under load a recycled worker takes 1-2 s to
# boot, which the benchmark saw as multi-second stalls (66 restarts in 5 minutes at 1000).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
if os.path.isdir("/dev/shm"):  # noqa: S108 - tmpfs, exactly what the heartbeat file wants
    worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat file on tmpfs, never on overlayfs
control_socket_disable = True  # gunicorn >= 25.1 would otherwise want a writable $HOME
accesslog = "-"
errorlog = "-"
# The request id comes from the response header the app always sets (kept or generated).
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s "%(a)s"'


def post_worker_init(worker):
    """Freeze what loading the app allocated (about 90k objects) out of the cyclic collector's view.

    Otherwise every full collection walks them all: 25-45 ms with every thread of the worker
    stopped, measured here, which is a p99 spike. Requests' own garbage is collected as before.
    """
    gc.freeze()
