"""gunicorn settings for the multiprocess test: the services' metric hooks and nothing else.

Like the services' own config, this file must not import prometheus_client or the app.
"""

from shop_common import gunicorn_metrics

worker_class = "gthread"
workers = 2
threads = 2
on_starting = gunicorn_metrics.on_starting
post_worker_init = gunicorn_metrics.post_worker_init
child_exit = gunicorn_metrics.child_exit
on_exit = gunicorn_metrics.on_exit
control_socket_disable = True
