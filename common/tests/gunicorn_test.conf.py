"""gunicorn settings for the multiprocess test: the services' shared config, two small workers.

Like the services' own config, this file must not import prometheus_client or the app.
"""

from shop_common.gunicorn_base import *  # noqa: F403 - gunicorn reads this module's globals

workers = 2
threads = 2
