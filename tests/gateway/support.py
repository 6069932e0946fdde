"""Helpers for the gateway's own tests: fake services and an nginx started from render.sh's output."""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from shop_stack.settings import defaults
from shop_stack.system import find_binary, free_port, http_ok, wait_until

REPO = Path(__file__).resolve().parents[2]
RENDER = REPO / "gateway" / "render.sh"
DEV_TLS = REPO / "scripts" / "dev-tls.sh"

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# The gateways under test listen on loopback; never send that through a configured proxy.
os.environ["NO_PROXY"] = "127.0.0.1,localhost"


def render(out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run gateway/render.sh into `out` with the login limit's defaults and `env` on top."""
    settings = {name: defaults()[name] for name in ("LOGIN_RATE", "LOGIN_BURST")}
    return subprocess.run(
        ["sh", str(RENDER)],
        env={**os.environ, **settings, "GATEWAY_CONF_DIR": str(out), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def fake_nginx(directory: Path, version: str) -> str:
    """A directory holding an `nginx` that only reports `version`: put it first on PATH for render.sh."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "nginx").write_text(f"#!/bin/sh\necho 'nginx version: nginx/{version}' >&2\n")
    (directory / "nginx").chmod(0o755)
    return f"{directory}:{os.environ['PATH']}"


def find_nginx() -> str | None:
    """The nginx on PATH, else Debian's /usr/sbin/nginx."""
    return find_binary("nginx")


def world_readable_dir(prefix: str) -> Path:
    """A temp dir nginx workers can read: run as root, they drop to 'nobody'."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    return path


@dataclass
class FakeService:
    """A tiny HTTP service that records what it got and answers JSON."""

    name: str
    requests: list[dict[str, Any]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def address(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def last(self) -> dict[str, Any]:
        return self.requests[-1]

    def answer(self, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        """Status, extra headers and JSON body for one request."""
        if self.name == "session" and path == "/auth":
            if "sid=good" not in headers.get("cookie", ""):
                return 401, {}, {"error": {"code": "unauthorized", "message": "no session"}}
            if headers.get("x-original-method") in UNSAFE and headers.get("x-csrf-token") != "tok":
                return 403, {}, {"error": {"code": "forbidden", "message": "bad token"}}
            return 200, {"X-Identity": "assertion-for-7"}, {}
        if path.startswith("/missing") or path.endswith("/0"):  # no id is 0
            return 404, {}, {"error": {"code": "not_found", "message": f"{self.name} says no"}}
        # Services echo the request id and must not leak identity; the gateway hides both.
        extra = {"X-Request-ID": headers.get("x-request-id", ""), "X-Identity": "leak"}
        return 200, extra, {"service": self.name, "method": method, "path": path}

    def start(self, address: tuple[str, int] = ("127.0.0.1", 0)) -> "FakeService":
        service = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "version": self.request_version,
                        "headers": headers,
                        "body": body,
                    }
                )
                status, extra, payload = service.answer(self.command, self.path, headers)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_one

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(address, Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@contextlib.contextmanager
def unreached(*services: FakeService, what: str = "a request reached a service") -> Iterator[None]:
    """Fail if any request reaches one of `services` inside the block."""
    seen = [len(service.requests) for service in services]
    yield
    assert [len(service.requests) for service in services] == seen, what


@dataclass(frozen=True)
class TlsFiles:
    """A throwaway development CA and its localhost certificate (scripts/dev-tls.sh)."""

    directory: Path

    @property
    def ca(self) -> str:
        return str(self.directory / "ca.crt")

    def env(self) -> dict[str, str]:
        """render.sh's settings for a TLS listener with this certificate."""
        cert, key = self.directory / "tls.crt", self.directory / "tls.key"
        return {"GATEWAY_TLS": "on", "TLS_CERT_FILE": str(cert), "TLS_KEY_FILE": str(key)}


def make_tls_files(directory: Path) -> TlsFiles:
    done = subprocess.run(["sh", str(DEV_TLS), str(directory)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return TlsFiles(directory)


class Gateway:
    """nginx started from a config that render.sh wrote into a temp dir (local mode unless `env` says).

    With GATEWAY_TLS=on in `env` it has a TLS listener too, at https_url (the certificate's name)."""

    def __init__(self, nginx: str, catalog: str, session: str, static_root: Path, **env: str) -> None:
        self.conf = world_readable_dir("gateway-conf-")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tls_port = free_port() if env.get("GATEWAY_TLS") == "on" else 0
        self.https_url = f"https://localhost:{self.tls_port}" if self.tls_port else ""
        tls = {"GATEWAY_TLS_LISTEN": f"127.0.0.1:{self.tls_port}"} if self.tls_port else {}
        rendered = render(
            self.conf,
            **{
                **tls,
                "GATEWAY_LISTEN": f"127.0.0.1:{self.port}",
                "CATALOG_UPSTREAM": catalog,
                "SESSION_UPSTREAM": session,
                "GATEWAY_STATIC_ROOT": str(static_root),
                "NGINX_RESOLVER": "off",
                **env,
            },
        )
        if rendered.returncode != 0:
            raise RuntimeError(f"render.sh failed: {rendered.stderr}")
        self.log = open(self.conf / "stdout.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [nginx, "-p", str(self.conf), "-c", str(self.conf / "nginx.conf"), "-e", "stderr"]
            + ["-g", "daemon off;"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        try:  # generous: CI machines can be busy
            wait_until(lambda: http_ok(f"{self.url}/healthz"), "nginx", timeout=20, proc=self.proc)
        except RuntimeError as error:
            output = self.output()
            self.stop()
            raise RuntimeError(f"{error}:\n{output}") from None

    def output(self) -> str:
        self.log.flush()
        return (self.conf / "stdout.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # fast shutdown: tests need no graceful drain
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.conf, ignore_errors=True)
