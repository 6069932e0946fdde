"""The app gunicorn_reload.py serves: the service's wsgi:app, or, while its code does not load (a syntax
error half-way through an edit), an answer saying so: a JSON 503 in the services' error shape, at
once, instead of a dead worker and a gateway waiting for it. A watcher started before the import ends
this worker when a watched file changes, and gunicorn starts a fresh one that loads the new code.

Why not gunicorn's own reloader: it records the files' times only once the app has loaded, so a fix
saved while a worker boots (the moment a person sees the 503 and saves) becomes its starting point and
is never seen as a change. Here the times are taken before the import, and any different time counts.
"""

import glob
import importlib.util
import json
import logging
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("gunicorn.error")  # configured by gunicorn before it loads the app
INTERVAL = 0.5  # seconds between two looks at the files


def watched_roots() -> list[Path]:
    """The service's directory (the working directory) and shop_common's, when it is not installed
    into site-packages (local mode's editable install; in an image, a change to it rebuilds the image)."""
    roots = [Path.cwd()]
    spec = importlib.util.find_spec("shop_common")
    for location in (spec.submodule_search_locations or []) if spec else []:
        if "site-packages" not in location:
            roots.append(Path(location))
    return roots


def modification_times(roots: list[Path]) -> dict[str, float]:
    times = {}
    for root in roots:
        for name in glob.glob(f"{root}/**/*.py", recursive=True):
            try:
                times[name] = os.stat(name).st_mtime
            except OSError:
                continue  # removed while we looked
    return times


def watch(roots: list[Path], before: dict[str, float]) -> None:
    """Poll until a file's time differs from `before` (or a file comes or goes), then stop this worker:
    SIGTERM is gunicorn's graceful exit, and its master starts a new worker in its place."""
    while True:
        time.sleep(INTERVAL)
        now = modification_times(roots)
        changed = sorted(set(now.items()) ^ set(before.items()))
        if changed:
            log.info("reloading: %s changed", changed[0][0])
            os.kill(os.getpid(), signal.SIGTERM)
            return


def not_loaded(problem: str) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app answering every request with a JSON 503 that names `problem`."""
    message = f"The service's code does not load ({problem}); save a fix and it reloads."

    def answer(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_id = environ.get("HTTP_X_REQUEST_ID", "")
        error = {"code": "unavailable", "message": message, "request_id": request_id}
        body = json.dumps({"error": error}).encode()
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        start_response("503 Service Unavailable", [*headers, ("Retry-After", "1")])
        return [body]

    return answer


_roots = watched_roots()
threading.Thread(target=watch, args=(_roots, modification_times(_roots)), name="reload", daemon=True).start()

app: Any
try:
    from wsgi import app  # type: ignore[import-not-found, no-redef]  # the service's, from its directory
except Exception as error:  # noqa: BLE001 - whatever stops the import, say so on every request
    log.error("the app did not load:\n%s", traceback.format_exc())
    app = not_loaded(f"{type(error).__name__}: {error}")
