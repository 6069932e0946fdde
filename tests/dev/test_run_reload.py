"""`make run RELOAD=1`: a saved change shows through the gateway within 10 s, and a half-typed one is a
JSON 503 until it is fixed. It runs stack/stack.py --reload from a throwaway copy of the repository, so
the edits never touch the working tree."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from dev_loop import check_the_dev_loop, copy_repository


@pytest.fixture(scope="module")
def reloading_stack() -> Iterator[tuple[Path, str]]:
    root = copy_repository()
    log = root / "stack.out"
    env = {**os.environ, "PYTHONPATH": str(root / "stack"), "GATEWAY_TLS": "off"}  # its own shop_stack
    env |= {name: "0" for name in ("GATEWAY_PORT", "CATALOG_PORT", "SESSION_PORT")}  # any free ports
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(root / "stack" / "stack.py"), "--reload", "--port", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
    try:
        gateway = ""
        deadline = time.monotonic() + 120
        while not gateway and time.monotonic() < deadline and proc.poll() is None:
            found = re.search(r"UI and API \(gateway\): (\S+)/", log.read_text())
            gateway = found.group(1) if found else ""
            time.sleep(0.2)
        assert gateway, f"make run did not start:\n{log.read_text()[-3000:]}"
        yield root, gateway
    finally:
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the stack stops every part and removes its directory
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(root, ignore_errors=True)


def test_make_run_reload_shows_saved_changes(reloading_stack: tuple[Path, str]) -> None:
    root, gateway = reloading_stack
    check_the_dev_loop(root, gateway)
