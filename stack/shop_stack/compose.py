"""docker-compose.yml as a project of its own on free host ports: the compose-mode tests and the bench.

    stack = ComposeStack("shoptest1a2b", login_rate="600r/m", login_burst=20).start()
    stack.gateway_url, stack.compose("ps"), stack.psql(sql), stack.catalog_cli([...]), stack.stop()

With observability=True the project also runs deploy/compose/observability.yml's profile (Prometheus
and the exporters, on a free PROMETHEUS_PORT); quick_prometheus=True makes that Prometheus a quick one
for tests (shop_stack.observability: scrapes every 2 s, rules every second, alerts' `for` cut short).

start() runs scripts/docker/compose-up.sh (engine, base images, build, `up --wait`) and stop() runs
compose-down.sh (containers, networks and volumes removed; with show_logs, `ps` and every log
first). A `shop` stack someone runs on the default ports is never touched. Every `docker compose` call gets
the environment compose-up.sh wrote (image names, ports, login limit), so it addresses the stack
the script started.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .observability import OBSERVABILITY_OVERRIDE, fast_prometheus
from .settings import COMPOSE_FILE, ROOT, setting
from .system import LoopbackUrls, free_port

SCRIPTS = ROOT / "scripts" / "docker"
OBSERVABILITY_PROFILE = "observability"
SCALE_OVERRIDE = ROOT / "deploy" / "compose" / "scale.yml"
# Log file name -> compose service. The names are the local stack's, so logs read alike in both modes.
SERVICES = {
    "catalog": "catalog-service",
    "session": "session-service",
    "gateway": "gateway",
    "postgres": "postgres",
    "redis": "redis",
}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, comments and blanks skipped."""
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            env[key] = value
    return env


@dataclass
class ComposeStack(LoopbackUrls):
    """Start and stop docker-compose.yml as project `project`; URLs are set once started."""

    project: str
    login_rate: str = field(default_factory=lambda: setting("LOGIN_RATE"))
    login_burst: int = field(default_factory=lambda: int(setting("LOGIN_BURST")))
    echo: bool = False  # the scripts' output on the terminal (tests) instead of in workdir/*.out (bench)
    up_timeout: float | None = None  # seconds; a first build pulls base images and builds every service
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="shop-compose-")))
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # what every `docker compose` call needs
    observability: bool = False  # deploy/compose/observability.yml and its profile too
    quick_prometheus: bool = False  # with observability: shop_stack.observability's quick copy, for tests
    files: list[Path] = field(default_factory=lambda: [COMPOSE_FILE])  # the project's compose files

    def start(self) -> ComposeStack:
        """Build (first run: several minutes) and start the stack; on failure or interrupt remove it."""
        self.ports = {name: free_port() for name in ("gateway", "catalog", "session")}
        if setting("GATEWAY_TLS") == "on":
            self.ports["gateway_tls"] = free_port()
        self.files = [COMPOSE_FILE]
        if self.observability:
            self.ports["prometheus"] = free_port()
            self.files.append(OBSERVABILITY_OVERRIDE)
            if self.quick_prometheus:
                self.files.append(fast_prometheus(self.workdir / "prometheus"))
        env_file = ROOT / "test-artifacts" / "compose" / f"{self.project}.env"
        self.env = {
            "COMPOSE_PROJECT_NAME": self.project,
            "GATEWAY_PORT": str(self.ports["gateway"]),
            "CATALOG_PORT": str(self.ports["catalog"]),
            "SESSION_PORT": str(self.ports["session"]),
            **({"GATEWAY_TLS_PORT": str(self.ports["gateway_tls"])} if "gateway_tls" in self.ports else {}),
            "LOGIN_RATE": self.login_rate,  # the gateway container reads these at start
            "LOGIN_BURST": str(self.login_burst),
        }
        if self.observability:
            # Every `docker compose` call of this stack (the scripts' and the tests' too) reads these:
            # without them a later `up` would drop Prometheus and the exporters as orphans.
            self.env |= {
                "COMPOSE_FILE": os.pathsep.join(str(path) for path in self.files),
                "COMPOSE_PROFILES": OBSERVABILITY_PROFILE,
                "PROMETHEUS_PORT": str(self.ports["prometheus"]),
            }
        print(f"[compose] project {self.project}, ports {self.ports}", file=sys.stderr, flush=True)
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        try:
            up = ["bash", str(SCRIPTS / "compose-up.sh"), "-p", self.project]
            self._run_group(up, "compose-up", {"COMPOSE_ENV_OUT": str(env_file)}, timeout=self.up_timeout)
            self.env.update(read_env_file(env_file))
        except BaseException:
            self.stop()  # compose-up.sh has shown why and removed what it started; this is for interrupts
            raise
        return self

    def stop(self, show_logs: bool = False) -> None:
        """Remove this project's containers, networks and volumes, and the throwaway directory."""
        down = [
            "bash",
            str(SCRIPTS / "compose-down.sh"),
            "-p",
            self.project,
            *(["--failed"] if show_logs else []),
        ]
        env = {**os.environ, **self.env}
        if self.echo:
            subprocess.run(down, cwd=ROOT, env=env, timeout=300, check=False)
        else:
            done = subprocess.run(down, cwd=ROOT, env=env, timeout=300, capture_output=True, text=True)
            output = (done.stdout + done.stderr).strip()
            # the script's last line says what it removed; all of it when that failed
            print(
                output if done.returncode else (output.splitlines() or [""])[-1], file=sys.stderr, flush=True
            )
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def prometheus_url(self) -> str:
        """Prometheus on 127.0.0.1 when the stack runs the observability profile, else ""."""
        return self.url("prometheus") if "prometheus" in self.ports else ""

    def compose(self, *args: str, scaled: bool = False, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """`docker compose -p PROJECT ARGS` from the repo root; `scaled` adds deploy/compose/scale.yml."""
        cmd = ["docker", "compose", "-p", self.project]
        if scaled:  # naming any file replaces COMPOSE_FILE and the default: name the stack's own first
            for path in [*self.files, SCALE_OVERRIDE]:
                cmd += ["-f", str(path)]
        kwargs.setdefault("check", True)
        kwargs.setdefault("text", True)
        return subprocess.run([*cmd, *args], cwd=ROOT, env={**os.environ, **self.env}, **kwargs)

    def psql(self, sql: str) -> str:
        """Run SQL in the catalog database (psql inside the postgres container); unaligned output."""
        # The container's own POSTGRES_USER and POSTGRES_DB: whatever .env or the defaults made them.
        script = 'exec psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -Atqc "$1"'
        done = self.compose(
            "exec", "-T", "postgres", "sh", "-c", script, "psql", sql, capture_output=True, timeout=120
        )
        return done.stdout.strip()

    def catalog_cli(self, args: list[str]) -> None:
        """Run `flask --app wsgi ARGS` in a one-off container of the catalog image (the seed job's)."""
        cmd = ["docker", "compose", "-p", self.project, "run", "--rm", "--no-deps", "-T", "seed"]
        self._run_group([*cmd, "flask", "--app", "wsgi", *args], "catalog-cli")

    def save_logs(self) -> Path:
        """Write each service's container log to logs/<name>.log, where the local stack keeps its own.

        The compose file rotates container logs at 3 x 10 MB, so a long run may have lost its oldest lines."""
        for name, service in SERVICES.items():
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                args = ("logs", "--no-color", "--no-log-prefix", "--timestamps", service)
                log = self.compose(*args, check=False, capture_output=True, timeout=120)
                # Compose 2.26 starts each line with a clear-line escape even into a pipe
                text = ANSI_ESCAPE.sub("", log.stdout + log.stderr)
                (self.workdir / "logs" / f"{name}.log").write_text(text)
        return self.workdir / "logs"

    # --- helpers -------------------------------------------------------------------------
    def _run_group(
        self, cmd: list[str], name: str, extra_env: dict[str, str] | None = None, timeout: float | None = None
    ) -> None:
        """Run cmd in its own process group; an interrupt or the timeout stops the whole group.

        Killing only the script or the docker client would leave `up --build` or a one-off
        container running while stop() removes the project."""
        out = self.workdir / f"{name}.out"
        env = {**os.environ, **self.env, **(extra_env or {})}
        with open(out, "a") as log:
            output = None if self.echo else log
            proc = subprocess.Popen(
                cmd, stdout=output, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True
            )
            try:
                code = proc.wait(timeout=timeout)
            except BaseException:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                raise
        if code != 0:
            tail = "" if self.echo else ":\n" + out.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{name} failed (exit {code}){tail}")
