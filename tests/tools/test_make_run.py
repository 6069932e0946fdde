"""`make run` (stack/stack.py) stops on Ctrl-C within 5 s, leaving no process and no directory behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests
from shop_stack.settings import ROOT

STOPPED_WITHIN = 5.0


def processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that contain `text` (the stack's throwaway directory)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            line = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        if text in line:
            found.append(f"{cmdline.parent.name}: {line.strip()}")
    return found


def descendants(pid: int) -> set[int]:
    """Every process below `pid` right now."""
    children = {
        int(c) for task in Path(f"/proc/{pid}/task").glob("*/children") for c in task.read_text().split()
    }
    return children.union(*(descendants(child) for child in children))


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][0] != "Z"
    except OSError:
        return False


def test_ctrl_c_stops_everything_within_5_s_and_removes_the_directory() -> None:
    # Its own process group, as a terminal job: Ctrl-C there is SIGINT to the whole group.
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "stack" / "stack.py"), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            if "Ctrl-C stops everything" in line:
                break
        text = "".join(output)
        workdir = re.search(r"starting the stack in (\S+) \.\.\.", text)
        gateway = re.search(r"\(gateway\): (http://\S+)/", text)
        assert workdir and gateway, text[-3000:]
        # A signed-in visitor with an open connection, as a browser leaves one.
        browser = requests.Session()
        answer = browser.post(
            f"{gateway[1]}/api/session/login",
            json={"username": "alice", "password": "alice-demo-1"},
            headers={"X-Requested-With": "XMLHttpRequest"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        running = descendants(proc.pid) | {
            int(line.split(":")[0]) for line in processes_mentioning(workdir[1])
        }

        os.killpg(proc.pid, signal.SIGINT)
        started = time.monotonic()
        proc.wait(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:  # the test failed before Ctrl-C: let the stack clean up after itself
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    rest = proc.stdout.read() if proc.stdout else ""
    assert took < STOPPED_WITHIN, f"stopped after {took:.1f} s\n{rest}"
    assert proc.returncode == 0, rest
    assert [pid for pid in running if alive(pid)] == [], "processes of the stack still run"
    assert processes_mentioning(workdir[1]) == []
    assert not Path(workdir[1]).exists()
