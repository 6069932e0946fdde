"""gunicorn settings; every value can be tuned from the environment."""

import gc
import os

bind = os.environ.get("BIND", "0.0.0.0:8000")
worker_class = "gthread"  # blocking I/O (Redis, catalog-service) with keep-alive; no monkey-patching
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = 30
graceful_timeout = 20  # below compose's stop grace period, so in-flight requests finish
keepalive = 75  # longer than nginx's upstream keepalive_timeout (60 s): no reuse-after-close 502s
if os.path.isdir("/dev/shm"):  # noqa: S108 - tmpfs, not a temp file
    worker_tmp_dir = "/dev/shm"  # noqa: S108 - heartbeat file on tmpfs, not a disk-backed overlay
control_socket_disable = True  # gunicorn 25.1+ would otherwise try to create one under $HOME
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The response's X-Request-ID: the gateway's id, or the one this service generated. No cookies logged.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'


def post_worker_init(worker):
    """Freeze what loading the app allocated (about 90k objects) out of the cyclic collector's view.

    Otherwise every full collection walks them all: 25-45 ms with every thread of the worker
    stopped, measured here, which is a p99 spike. Requests' own garbage is collected as before.
    """
    gc.freeze()
