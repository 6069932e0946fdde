"""Small things every stack runner needs: free ports, server binaries, waiting until a part answers."""

from __future__ import annotations

import contextlib
import glob
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from .settings import ROOT


def free_port(preferred: int = 0) -> int:
    """Return `preferred` if it is free on loopback, else any free port."""
    for candidate in (preferred, 0) if preferred else (0,):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    raise RuntimeError("no free port")


def find_binary(name: str) -> str | None:
    """Find a server binary on PATH or in the usual Debian places."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def ensure_binaries(packages: dict[str, str]) -> None:
    """Make sure each binary exists: scripts/setup.sh installs the missing ones' Debian packages.

    `packages` maps a binary to its package. setup.sh is the one place that runs apt-get; where
    it cannot (not root, no apt), it names the packages and this stops."""
    missing = [package for binary, package in packages.items() if not find_binary(binary)]
    if missing:
        done = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh"), "--packages", *missing])
        if done.returncode != 0:
            raise SystemExit(f"missing: {' '.join(missing)}")


def wait_until(
    check: Callable[[], object], what: str, timeout: float = 30.0, proc: subprocess.Popen | None = None
) -> None:
    """Poll `check()` until it is true; fail with `what` on timeout or if `proc` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.05)
    raise RuntimeError(f"{what}: not ready after {timeout:.0f} s")


def http_ok(url: str) -> bool:
    """True when GET `url` answers 200 within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except urllib.error.URLError:
        return False


class LoopbackUrls:
    """The URLs of a stack whose parts answer on 127.0.0.1, on the ports its start() put in `ports`."""

    ports: dict[str, int]

    def url(self, part: str) -> str:
        return f"http://127.0.0.1:{self.ports[part]}"

    @property
    def gateway_url(self) -> str:
        return self.url("gateway")

    @property
    def gateway_https_url(self) -> str:
        """The gateway's TLS listener under the name its certificate carries; "" without one."""
        port = self.ports.get("gateway_tls")
        return f"https://localhost:{port}" if port else ""

    @property
    def catalog_url(self) -> str:
        return self.url("catalog")

    @property
    def session_url(self) -> str:
        return self.url("session")
