"""A small Flask app with the shared metrics, served by gunicorn in the multiprocess test."""

import os

from flask import Flask
from shop_common import metrics
from shop_common.errors import register_error_handlers
from shop_common.metrics import init_metrics

# A test may stretch the flush interval so that only worker_exit writes a worker's figures.
metrics.FLUSH_SECONDS = float(os.environ.get("TEST_FLUSH_SECONDS", metrics.FLUSH_SECONDS))

app = Flask(__name__)
register_error_handlers(app)


@app.get("/pid")
def get_pid() -> dict[str, int]:
    """Say which worker process answered."""
    return {"pid": os.getpid()}


init_metrics(app, "multiprocess-test", "postgresql", enabled=True)
