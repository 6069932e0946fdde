"""gunicorn hooks that give the metrics their multiprocess directory and keep it tidy.

prometheus_client picks its mode once, when it is first imported, from PROMETHEUS_MULTIPROC_DIR.
The master runs `on_starting` before it loads the app or forks a worker, so the variable set
there is what every worker sees. That is also why this module imports nothing from
prometheus_client at the top: importing it in the master earlier would fix the wrong mode.
"""

import glob
import os
import shutil
import sys
import tempfile
from typing import Any

_created: list[str] = []  # a directory made here, removed again when the master exits
_PREFIX = "shop-metrics-"  # then the master's pid: a directory whose master is gone can go
_ON, _OFF = {"", "on", "1", "true", "yes"}, {"off", "0", "false", "no"}


def metrics_enabled() -> bool:
    """METRICS: on (the default) or off; anything else stops start-up with a one-line message."""
    value = os.environ.get("METRICS", "").strip().lower()
    if value not in _ON | _OFF:
        sys.exit(f"METRICS must be on or off, got {value!r}")
    return value in _ON


def on_starting(server: Any) -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR, or make a private one on tmpfs when it is not set.

    Left-over files would add a previous run's counts to this one's. Without the variable each
    master gets its own directory, so two services on one machine (`make run`) never share one.
    """
    if not metrics_enabled():
        return
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, "*.db")):
            os.remove(stale)
        return
    # tempfile honours TMPDIR and falls back to /tmp, a tmpfs in the containers (read-only root).
    _remove_dead_masters_dirs()
    path = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-")
    _created.append(path)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path


def _remove_dead_masters_dirs() -> None:
    """A master killed outright (SIGKILL, a crash) never ran on_exit: remove what it left."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), f"{_PREFIX}*-*")):
        pid = os.path.basename(path)[len(_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:  # alive, another user's
            pass


def post_worker_init(worker: Any) -> None:
    """Record how many requests this worker serves at once: the saturation alert divides by it."""
    if not metrics_enabled():
        return
    from .metrics import record_worker_threads

    record_worker_threads(worker.wsgi, max(int(worker.cfg.threads), 1))


def worker_exit(server: Any, worker: Any) -> None:
    """Write the figures this worker noted since its last flush, before it goes (in the worker)."""
    if not metrics_enabled():
        return
    from .metrics import flush

    flush()


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's share of the live gauges (pool connections, threads)."""
    if not (metrics_enabled() and os.environ.get("PROMETHEUS_MULTIPROC_DIR")):
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    """Remove the directory `on_starting` made; one given in the environment is left in place."""
    while _created:
        shutil.rmtree(_created.pop(), ignore_errors=True)
