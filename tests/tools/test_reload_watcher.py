"""stack/reload (make run RELOAD=1, make dev): a file saved while a worker is still loading the app is
seen as a change. gunicorn's own reloader took the files' times after the load, so a fix saved in
that window (a person seeing the 503 for a syntax error and saving at once) was never picked up.

A throwaway service whose import takes a second stands in for a slow boot on a busy machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

RELOAD_CONFIG = Path(__file__).resolve().parents[2] / "stack" / "reload" / "gunicorn_reload.py"
SLOW_APP = """
import time
time.sleep(1.5)  # loading takes a while
VERSION = {version!r}

def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [VERSION.encode()]
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def served(url: str) -> str:
    try:
        return requests.get(url, timeout=5).text
    except requests.RequestException:
        return ""


def test_a_file_saved_while_the_app_loads_is_reloaded(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "gunicorn.conf.py").write_text(f'bind = "127.0.0.1:{port}"\nworker_class = "gthread"\n')
    app = tmp_path / "wsgi.py"
    app.write_text(SLOW_APP.format(version="first"))
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "-c", str(RELOAD_CONFIG)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        time.sleep(0.8)  # the worker is importing the first version
        app.write_text(SLOW_APP.format(version="second"))
        os.utime(app, (time.time() + 1, time.time() + 1))  # a time surely unlike the first one's
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and served(f"http://127.0.0.1:{port}/") != "second":
            time.sleep(0.2)
        assert served(f"http://127.0.0.1:{port}/") == "second"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        _, errors = server.communicate(timeout=30)
        print(errors.decode()[-2000:])
