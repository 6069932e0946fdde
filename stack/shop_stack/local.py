"""The whole system as local processes, no Docker: PostgreSQL, Redis, both services under gunicorn, nginx.

Everything lives in a throwaway directory that stop() removes. stack/stack.py runs it for people
(`make run`); the black-box tests and the bench run the same class around their sessions.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .settings import ROOT, setting
from .system import LoopbackUrls, ensure_binaries, find_binary, free_port, http_ok, wait_until
from .tls import ensure_certificate

SYSTEM_PACKAGES = {"postgres": "postgresql", "redis-server": "redis-server", "nginx": "nginx"}
STOP_WITHIN = 3.0  # seconds stop() gives the parts before it kills what is left (make run promises 5)


@dataclass
class LocalStack(LoopbackUrls):
    """Start and stop the local-process stack; URLs are set once started."""

    gateway_port: int = 0  # preferred ports; a free one when taken (0: any)
    gateway_tls_port: int = 0
    catalog_port: int = 0
    session_port: int = 0
    # The gateway's HTTPS listener (GATEWAY_TLS, on unless set to off), and more of render.sh's
    # settings on top of the stack's own (tests: GATEWAY_HTTPS_ONLY=on).
    tls: bool = field(default_factory=lambda: setting("GATEWAY_TLS") == "on")
    gateway_env: dict[str, str] = field(default_factory=dict)
    login_rate: str = field(default_factory=lambda: setting("LOGIN_RATE"))
    login_burst: int = field(default_factory=lambda: int(setting("LOGIN_BURST")))
    seed: bool = True
    # Each service's worker restarts when a file of its code changes (stack/reload/); the UI is
    # always served from the working tree, so a saved file shows on the next request anyway.
    reload: bool = False
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="shop-stack-")))
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    # --- public --------------------------------------------------------------------------
    @property
    def database_url(self) -> str:
        # trust authentication on loopback: the password compose sets is not needed here
        user, database = setting("POSTGRES_USER"), setting("POSTGRES_DB")
        return f"postgresql://{user}@127.0.0.1:{self.ports['postgres']}/{database}"

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.ports['redis']}/0"

    def start(self) -> LocalStack:
        """Start every part in dependency order; on failure stop what started and re-raise."""
        ensure_binaries(SYSTEM_PACKAGES)
        self.ports = {
            "postgres": free_port(),
            "redis": free_port(),
            "catalog": free_port(self.catalog_port),
            "session": free_port(self.session_port),
            "gateway": free_port(self.gateway_port),
        }
        if self.tls:
            self.ports["gateway_tls"] = free_port(self.gateway_tls_port)
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
        """Stop every part at once, kill what is still running after STOP_WITHIN s, remove the directory.

        Nothing here is worth a graceful drain: the data is deleted next. SIGINT is each server's
        fast stop (gunicorn's quick shutdown, nginx's fast one, Redis's shutdown); a second Ctrl-C
        while this runs is ignored, so it cannot leave half a stack behind."""
        with _sigint_ignored():
            procs = [self.procs.pop(name) for name in list(self.procs)]
            for proc in procs:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGINT)
            postgres = self._stop_postgres("immediate")
            deadline = time.monotonic() + STOP_WITHIN
            for proc in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=max(0.0, deadline - time.monotonic()))
                # Each part leads its own process group: this reaches workers a master left behind.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if postgres is not None:
                try:
                    postgres.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    postgres.kill()
                    self._kill_postmaster()
            shutil.rmtree(self.workdir, ignore_errors=True)

    def stop_part(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Stop one part gracefully (fault tests): SIGTERM, or `sig`, and wait for it."""
        if name == "postgres":
            postgres = self._stop_postgres("fast")
            if postgres is not None:
                postgres.wait()
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
            "session": self.start_session,
            "gateway": self.start_gateway,
        }[name]
        start()

    def catalog_cli(self, args: list[str]) -> None:
        """Run `flask --app wsgi ARGS` for catalog-service against this stack's database."""
        cmd = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
        self._run(cmd, "catalog-cli", self._catalog_env(), ROOT / "catalog-service")

    def psql(self, sql: str) -> str:
        """Run SQL in the catalog database; unaligned output."""
        cmd = [find_binary("psql") or "psql", self.database_url, "-Atqc", sql]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()

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
        user = setting("POSTGRES_USER")
        if init:
            data.mkdir()
            if runas:
                shutil.chown(self.workdir, runas.pw_name, None)  # the socket lives here
                shutil.chown(data, runas.pw_name, None)
            initdb = [find_binary("initdb") or "initdb", "-D", str(data), "-U", user, "--auth=trust"]
            self._run(self._as_unprivileged(initdb), "postgres-init", self._home())
            # Throwaway data: durability off makes tests and loading much faster.
            with open(data / "postgresql.conf", "a") as conf:
                conf.write("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n")
        server_log = self.workdir / "logs" / "postgres.log"
        server_log.touch()
        if runas:
            shutil.chown(server_log, runas.pw_name, None)  # the server writes it, not us
        options = f"-p {self.ports['postgres']} -k {self.workdir} -c listen_addresses=127.0.0.1"
        pg_ctl = [find_binary("pg_ctl") or "pg_ctl", "-D", str(data), "-o", options]
        start = [*pg_ctl, "-w", "-t", "30", "-l", str(server_log), "start"]
        self._run(self._as_unprivileged(start), "postgres-ctl", self._home())
        if init:
            createdb = [find_binary("createdb") or "createdb", "-h", "127.0.0.1"]
            createdb += ["-p", str(self.ports["postgres"]), "-U", user, setting("POSTGRES_DB")]
            self._run(self._as_unprivileged(createdb), "postgres-createdb", self._home())

    def start_redis(self) -> None:
        # appendonly: a Redis restart must not sign anybody out, as in compose.
        redis_server = find_binary("redis-server") or "redis-server"
        options = ["--port", str(self.ports["redis"]), "--bind", "127.0.0.1", "--dir", str(self.workdir)]
        self._spawn("redis", [redis_server, *options, "--save", "", "--appendonly", "yes"])
        import redis  # from the project's venv

        client = redis.Redis(port=self.ports["redis"], socket_timeout=1)
        wait_until(client.ping, "redis", proc=self.procs["redis"])

    def prepare_catalog(self) -> None:
        self.catalog_cli(["db", "upgrade"])
        if self.seed:
            self.catalog_cli(["seed", "demo"])

    def start_catalog(self, name: str = "catalog") -> None:
        self._start_service(name, "catalog-service", self._catalog_env())

    def start_session(self) -> None:
        env = {
            **os.environ,
            "SECRET_KEY": setting("SECRET_KEY"),
            "REDIS_URL": self.redis_url,
            "CATALOG_URL": self.catalog_url,
            "INTERNAL_SECRET": setting("INTERNAL_SECRET"),
        }
        self._start_service("session", "session-service", env)

    def start_gateway(self) -> None:
        conf = self.workdir / "nginx"
        env = {
            **os.environ,
            "GATEWAY_CONF_DIR": str(conf),
            "GATEWAY_LISTEN": str(self.ports["gateway"]),
            "GATEWAY_STATIC_ROOT": str(ROOT / "static-ui"),
            "GATEWAY_API_DOCS_ROOT": str(ROOT / "gateway" / "api-docs"),
            "CATALOG_UPSTREAM": ",".join(f"127.0.0.1:{self.ports[name]}" for name in self.catalog_parts()),
            "SESSION_UPSTREAM": f"127.0.0.1:{self.ports['session']}",
            "NGINX_RESOLVER": "off",  # fixed loopback addresses
            "LOGIN_RATE": self.login_rate,
            "LOGIN_BURST": str(self.login_burst),
            "GATEWAY_TLS": "off",
            "APP_ENV": setting("APP_ENV"),
            "GATEWAY_HTTPS_ONLY": setting("GATEWAY_HTTPS_ONLY"),
            "HSTS_MAX_AGE": setting("HSTS_MAX_AGE"),
        }
        api_docs = ROOT / "gateway" / "api-docs"
        # the API explorer's renderer: fetched once (scripts/setup.sh does it too), never committed
        self._run([sys.executable, str(api_docs / "fetch_swagger_ui.py"), str(api_docs / "vendor")], "docs")
        if self.tls:
            cert, key = ensure_certificate()
            port = str(self.ports["gateway_tls"])
            env |= {"GATEWAY_TLS": "on", "GATEWAY_TLS_LISTEN": port, "GATEWAY_TLS_PORT": port}
            env |= {"TLS_CERT_FILE": str(cert), "TLS_KEY_FILE": str(key)}
        env |= self.gateway_env
        nginx_bin = find_binary("nginx") or "nginx"
        # render.sh asks `nginx -v` which directives this nginx has: the one started below
        env["PATH"] = f"{Path(nginx_bin).parent}{os.pathsep}{env.get('PATH', '')}"
        self._run(["sh", str(ROOT / "gateway" / "render.sh")], "gateway-render", env)
        nginx = [nginx_bin, "-p", str(conf), "-c", str(conf / "nginx.conf")]
        self._run([*nginx, "-t", "-q"], "gateway-test")
        # Started by root, nginx's workers would drop to nobody, who may not reach the static files
        # (a checkout under /root or another 0700 directory: 403 for every page) nor the edge cache
        # in this stack's 0700 work directory. The services and Redis run as the user who started
        # them; so do the workers (PostgreSQL alone refuses root: _unprivileged below).
        directives = "daemon off;" + (" user root;" if os.geteuid() == 0 else "")
        self._spawn("gateway", [*nginx, "-g", directives])
        wait_until(lambda: http_ok(f"{self.gateway_url}/healthz"), "gateway", 30, self.procs["gateway"])

    # --- helpers -------------------------------------------------------------------------
    def _catalog_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "INTERNAL_SECRET": setting("INTERNAL_SECRET"),
        }

    def _start_service(self, name: str, service: str, env: dict[str, str]) -> None:
        """gunicorn with the service's own config, on this part's port; waits for /readyz."""
        gunicorn = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
        if self.reload:  # the service's settings plus reloading; the app named there
            gunicorn = [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "stack" / "reload" / "gunicorn_reload.py"),
            ]
        self._spawn(name, gunicorn, {**env, "BIND": f"127.0.0.1:{self.ports[name]}"}, ROOT / service)
        url = f"{self.url(name)}/readyz"
        wait_until(lambda: http_ok(url), f"{service} ({name})", 60, self.procs[name])

    def _stop_postgres(self, mode: str) -> subprocess.Popen | None:
        """Ask pg_ctl to stop the server (`mode`: fast or immediate); returns pg_ctl, still running."""
        data = self.workdir / "pg"
        if not (data / "postmaster.pid").exists():
            return None
        pg_ctl = [find_binary("pg_ctl") or "pg_ctl", "-D", str(data), "-m", mode, "-w", "stop"]
        return subprocess.Popen(
            self._as_unprivileged(pg_ctl),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self._home(),
        )

    def _kill_postmaster(self) -> None:
        with contextlib.suppress(OSError, ValueError, IndexError):
            pid = int((self.workdir / "pg" / "postmaster.pid").read_text().split()[0])
            os.kill(pid, signal.SIGKILL)

    @staticmethod
    def _unprivileged() -> pwd.struct_passwd | None:
        """PostgreSQL refuses to run as root: use the postgres (or nobody) account then."""
        if os.geteuid() != 0:
            return None
        for name in ("postgres", "nobody"):
            with contextlib.suppress(KeyError):
                return pwd.getpwnam(name)
        raise RuntimeError("running as root and no unprivileged account for PostgreSQL")

    def _as_unprivileged(self, cmd: list[str]) -> list[str]:
        user = self._unprivileged()
        if user is None:
            return cmd
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", *cmd]

    def _home(self) -> dict[str, str]:
        """The environment for PostgreSQL's tools: a HOME the unprivileged account can use."""
        return {**os.environ, "HOME": str(self.workdir)}

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
        """Start a long-running part in its own session: a terminal's Ctrl-C reaches only the stack,
        which then stops every part itself (stop()), and killpg reaches all of a part's processes."""
        with open(self.workdir / "logs" / f"{name}.log", "a") as log:
            self.procs[name] = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True
            )


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore SIGINT inside the block (only the main thread may change handlers; elsewhere, as is)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
