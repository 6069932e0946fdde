"""The whole system as local processes, no Docker: PostgreSQL, Redis, both services, nginx.

    python stack/stack.py [--port 8080]      # start, print the URLs, Ctrl-C stops everything

Everything lives in a throwaway directory that is removed on exit. The tests import
`LocalStack` to run the same stack around a test session.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Development-only secrets: the services refuse values containing "dev-only" in production mode.
DEV_SECRET_KEY = "dev-only-session-secret-key-0123456789abcdef"  # noqa: S105
DEV_INTERNAL_SECRET = "dev-only-internal-secret-0123456789abcdef"  # noqa: S105
SYSTEM_PACKAGES = {"postgres": "postgresql", "redis-server": "redis-server", "nginx": "nginx"}


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


def ensure_system_packages() -> None:
    """Install missing servers on Debian/Ubuntu as root; otherwise name them and stop."""
    missing = [pkg for binary, pkg in SYSTEM_PACKAGES.items() if not find_binary(binary)]
    if not missing:
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print(f"installing {' '.join(missing)} ...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
        return
    sys.exit(f"stack: missing system packages: {' '.join(missing)} (install them, e.g. apt-get install ...)")


def wait_until(check, what: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Poll `check()` until it is true; fail with `what` on timeout or if `proc` died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what}: process exited with {proc.returncode}")
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what}: not ready after {timeout:.0f} s")


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
            return bool(response.status == 200)
    except urllib.error.URLError:
        return False


@dataclass
class LocalStack:
    """Start and stop the local-process stack; URLs are set once started."""

    gateway_port: int = 0
    catalog_port: int = 0
    session_port: int = 0
    login_rate: str = "10r/m"
    login_burst: int = 5
    seed: bool = True
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="shop-stack-")))
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    # --- public --------------------------------------------------------------------------
    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    @property
    def catalog_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['catalog']}"

    @property
    def session_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['session']}"

    @property
    def database_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.ports['postgres']}/catalog"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    def start(self) -> LocalStack:
        """Start every part in dependency order; on failure stop what started and re-raise."""
        ensure_system_packages()
        self.ports = {
            "postgres": free_port(),
            "redis": free_port(),
            "catalog": free_port(self.catalog_port),
            "session": free_port(self.session_port),
            "gateway": free_port(self.gateway_port),
        }
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        try:
            self.start_postgres(init=True)
            self.start_redis()
            self.prepare_catalog()
            self.start_catalog()
            self.start_session()
            self.start_gateway()
        except BaseException:
            self.print_logs()
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop everything (reverse order) and remove the throwaway directory."""
        for name in ("gateway", "session", *self.catalog_parts(), "redis"):
            self.stop_part(name)
        self.stop_postgres()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def stop_part(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one process-backed part (gateway, session, catalog, redis)."""
        if name == "postgres":
            self.stop_postgres()
            return
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=25)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def catalog_parts(self) -> list[str]:
        """catalog plus any extra replicas (catalog2, ...), in start order."""
        return sorted(name for name in self.ports if name.startswith("catalog"))

    def add_catalog_replica(self) -> str:
        """Start one more catalog-service on its own port and re-render the gateway with all of them."""
        name = f"catalog{len(self.catalog_parts()) + 1}"
        self.ports[name] = free_port()
        self.start_catalog(name)
        self.stop_part("gateway")
        self.start_gateway()
        return name

    def remove_catalog_replica(self, name: str) -> None:
        """Stop an extra replica and give the gateway the remaining ones."""
        self.stop_part(name)
        del self.ports[name]
        self.stop_part("gateway")
        self.start_gateway()

    def restart_part(self, name: str) -> None:
        """Start a stopped part again on the same port (used by fault tests)."""
        if name.startswith("catalog") and name in self.ports:
            self.start_catalog(name)
            return
        start = {
            "postgres": lambda: self.start_postgres(init=False),
            "redis": self.start_redis,
            "catalog": self.start_catalog,
            "session": self.start_session,
            "gateway": self.start_gateway,
        }[name]
        start()

    def print_logs(self, lines: int = 40) -> None:
        """Print the tail of every log, for failures."""
        for log in sorted((self.workdir / "logs").glob("*.log")):
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            print(f"----- {log.name} (last {len(tail)} lines) -----", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)

    # --- parts ---------------------------------------------------------------------------
    def start_postgres(self, init: bool) -> None:
        data = self.workdir / "pg"
        runas = self._unprivileged()
        if init:
            data.mkdir()
            if runas:
                shutil.chown(self.workdir, runas.pw_name, None)  # the socket lives here
                shutil.chown(data, runas.pw_name, None)
            self._run_as(
                runas,
                [find_binary("initdb") or "initdb", "-D", str(data), "-U", "postgres", "--auth=trust"],
                "postgres-init",
            )
            # Throwaway data: durability off makes tests and loading much faster.
            with open(data / "postgresql.conf", "a") as conf:
                conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        server_log = self.workdir / "logs" / "postgres.log"
        server_log.touch()
        if runas:
            shutil.chown(server_log, runas.pw_name, None)  # the server writes it, not us
        options = f"-p {self.ports['postgres']} -k {self.workdir} -c listen_addresses=127.0.0.1"
        self._run_as(
            runas,
            [
                find_binary("pg_ctl") or "pg_ctl",
                "-D",
                str(data),
                "-o",
                options,
                "-w",
                "-t",
                "30",
                "-l",
                str(self.workdir / "logs" / "postgres.log"),
                "start",
            ],
            "postgres-ctl",
        )
        if init:
            self._run_as(
                runas,
                [
                    find_binary("createdb") or "createdb",
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.ports["postgres"]),
                    "-U",
                    "postgres",
                    "catalog",
                ],
                "postgres-createdb",
            )

    def stop_postgres(self) -> None:
        data = self.workdir / "pg"
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run_as(
                    self._unprivileged(),
                    [find_binary("pg_ctl") or "pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop"],
                    "postgres-ctl",
                )

    def start_redis(self) -> None:
        # appendonly: a Redis restart must not sign anybody out, as in compose.
        self._spawn(
            "redis",
            [
                find_binary("redis-server") or "redis-server",
                "--port",
                str(self.ports["redis"]),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
                "--save",
                "",
                "--appendonly",
                "yes",
            ],
        )
        import redis  # from the project's venv

        client = redis.Redis(port=self.ports["redis"], socket_timeout=1)
        wait_until(client.ping, "redis", proc=self.procs["redis"])

    def prepare_catalog(self) -> None:
        env = self._catalog_env()
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        self._run([*flask, "db", "upgrade"], "catalog-migrate", env, ROOT / "catalog-service")
        if self.seed:
            self._run([*flask, "seed", "demo"], "catalog-seed", env, ROOT / "catalog-service")

    def start_catalog(self, name: str = "catalog") -> None:
        url = f"http://127.0.0.1:{self.ports[name]}"
        env = {**self._catalog_env(), "BIND": f"127.0.0.1:{self.ports[name]}"}
        self._spawn(name, self._gunicorn(), env, ROOT / "catalog-service")
        wait_until(lambda: http_ok(f"{url}/readyz"), f"catalog-service ({name})", 60, self.procs[name])

    def start_session(self) -> None:
        env = {
            **os.environ,
            "SECRET_KEY": DEV_SECRET_KEY,
            "REDIS_URL": self.redis_url,
            "CATALOG_URL": self.catalog_url,
            "INTERNAL_SECRET": DEV_INTERNAL_SECRET,
            "BIND": f"127.0.0.1:{self.ports['session']}",
        }
        self._spawn("session", self._gunicorn(), env, ROOT / "session-service")
        wait_until(
            lambda: http_ok(f"{self.session_url}/readyz"), "session-service", 60, self.procs["session"]
        )

    def start_gateway(self) -> None:
        conf = self.workdir / "nginx"
        self._run(
            [
                sys.executable,
                str(ROOT / "gateway" / "render.py"),
                "--out",
                str(conf),
                "--listen",
                str(self.ports["gateway"]),
                "--catalog",
                ",".join(f"127.0.0.1:{self.ports[name]}" for name in self.catalog_parts()),
                "--session",
                f"127.0.0.1:{self.ports['session']}",
                "--static-root",
                str(ROOT / "static-ui"),
                "--login-rate",
                self.login_rate,
                "--login-burst",
                str(self.login_burst),
            ],
            "gateway-render",
        )
        nginx = find_binary("nginx") or "nginx"
        self._run([nginx, "-t", "-q", "-p", str(conf), "-c", str(conf / "nginx.conf")], "gateway-test")
        self._spawn("gateway", [nginx, "-p", str(conf), "-c", str(conf / "nginx.conf"), "-g", "daemon off;"])
        wait_until(lambda: http_ok(f"{self.gateway_url}/healthz"), "gateway", 30, self.procs["gateway"])

    # --- helpers -------------------------------------------------------------------------
    def _catalog_env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.database_url, "INTERNAL_SECRET": DEV_INTERNAL_SECRET}

    @staticmethod
    def _gunicorn() -> list[str]:
        return [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]

    @staticmethod
    def _unprivileged() -> pwd.struct_passwd | None:
        """PostgreSQL refuses to run as root: use the postgres (or nobody) account then."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
        raise RuntimeError("running as root and no unprivileged account for PostgreSQL")

    def _run_as(self, user: pwd.struct_passwd | None, cmd: list[str], name: str) -> None:
        prefix = (
            ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"] if user else []
        )
        self._run([*prefix, *cmd], name, {**os.environ, "HOME": str(self.workdir)})

    def _run(
        self, cmd: list[str], name: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        with open(self.workdir / "logs" / f"{name}.log", "a") as log:
            result = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        if result.returncode != 0:
            raise RuntimeError(f"{name} failed (exit {result.returncode}); see logs/{name}.log")

    def _spawn(
        self, name: str, cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> None:
        log = open(self.workdir / "logs" / f"{name}.log", "a")  # noqa: SIM115 - lives as long as the process
        self.procs[name] = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=8080, help="gateway port (a free one if taken)")
    args = parser.parse_args()
    stack = LocalStack(gateway_port=args.port, catalog_port=8001, session_port=8002)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"starting the stack in {stack.workdir} ...", flush=True)
    stack.start()
    try:
        print(
            f"\n  UI and API (gateway): {stack.gateway_url}/\n"
            f"  catalog-service:      {stack.catalog_url}/\n"
            f"  session-service:      {stack.session_url}/\n"
            f"  logs:                 {stack.workdir}/logs/\n\n"
            "  demo accounts: alice / alice-demo-1, bob / bob-demo-1, carol / carol-demo-1\n"
            "  Ctrl-C stops everything.",
            flush=True,
        )
        while all(proc.poll() is None for proc in stack.procs.values()):
            time.sleep(0.5)
        print("a process exited; stopping the stack", file=sys.stderr)
        stack.print_logs()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nstopping ...", flush=True)
        stack.stop()


if __name__ == "__main__":
    main()
