"""gunicorn settings for development: the service's own, plus a new worker whenever a file changes.

    cd catalog-service && gunicorn -c ../stack/reload/gunicorn_reload.py      # no app argument

`make run RELOAD=1` runs each service like this, and `make dev` does in its containers (this
directory mounted at /opt/reload, deploy/compose/dev.yml). The working directory is the service's:
its gunicorn.conf.py is read first, so nothing but the lines below differs from production.
"""

import os
import runpy
from pathlib import Path
from typing import Any

_service_settings = runpy.run_path("gunicorn.conf.py")
globals().update({name: value for name, value in _service_settings.items() if not name.startswith("_")})
_service_post_worker_init = _service_settings.get("post_worker_init")

# The app is the service's wsgi:app, or a JSON 503 while its code does not load, and a watcher that
# starts a new worker when a .py file changes (reload_wsgi.py; not gunicorn's `reload`, which misses a
# fix saved while a worker boots).
pythonpath = str(Path(__file__).resolve().parent)
wsgi_app = "reload_wsgi:app"
# One worker: a reload then starts one process, not two. Threads still serve requests concurrently.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))


def post_worker_init(worker: Any) -> None:
    """The service's own hook (metrics, gc.freeze), once its app has loaded: it expects the Flask app."""
    loaded = getattr(worker.wsgi, "__module__", "") != "reload_wsgi"
    if loaded and _service_post_worker_init is not None:
        _service_post_worker_init(worker)
